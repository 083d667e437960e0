/**
 * A wait of a step under the sequential judge (the default): after every report (or every
 * second) the calls since the step started are judged by src/analysis/sequential-judge.ts. A Fail
 * ends the wait at once; with --early-promote, a Pass of every critical metric does too. Otherwise
 * the wait lasts its --interval and the same test concludes it.
 */
import type { RolloutRun } from './rollout-run.js'
import type { Judgement, RolloutAnalysis } from './traffic-analysis.js'

/** How long a look waits for a report before looking anyway. */
const LOOK_MS = 1000

/** Wait the interval, judging all along; returns the judgement that ended it early (`early`) or the one concluding it. */
export async function watchStep(rollout: RolloutRun, a: RolloutAnalysis, alone: boolean): Promise<Judgement> {
  const end = Date.now() + rollout.plan.intervalMs
  for (;;) {
    const left = end - Date.now()
    if (left <= 0) return a.conclude(alone)
    await a.nextReport(Math.min(LOOK_MS, left))
    await rollout.runnerRecord.checkpoint() // an abort or an interrupt stops the wait as before
    const j = a.look(alone)
    if (j.outcome === 'fail' || (j.outcome === 'pass' && a.plan.earlyPromote)) return j
  }
}
