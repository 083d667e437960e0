/**
 * A step's wait under the sequential judge (the default): after every report (or every second)
 * the calls since the step started are judged by src/analysis/sequential-judge.ts. A Fail ends
 * the wait at once; with --early-promote, a Pass of every critical metric does too. Otherwise the
 * wait lasts its --interval and the same test concludes it.
 */
import { SequentialJudge } from '../analysis/sequential-judge.js'
import type { RolloutRun } from './rollout-run.js'
import type { Judgement, RolloutAnalysis } from './traffic-analysis.js'

/** How long a look waits for a report before looking anyway. */
const LOOK_MS = 1000

/** Does this rollout's analysis watch its steps sequentially? A dry run does not (it acts on nothing). */
export const watchesSequentially = (rollout: RolloutRun) =>
  rollout.analysis?.plan.judge === 'sequential' && rollout.analysis.plan.mode !== 'dry-run'

/**
 * Wait the step's interval, judging all along; returns the judgement that ended it early (marked
 * `sequential`) or the one concluding it.
 */
export async function watchStep(rollout: RolloutRun, a: RolloutAnalysis, alone: boolean): Promise<Judgement> {
  const judge = new SequentialJudge(a.plan.thresholds)
  const end = Date.now() + rollout.plan.intervalMs
  for (;;) {
    const left = end - Date.now()
    if (left <= 0) return a.conclude(judge, alone)
    await a.nextReport(Math.min(LOOK_MS, left))
    await rollout.runnerRecord.checkpoint() // an abort or an interrupt stops the wait as before
    const j = a.look(judge, alone)
    if (j.outcome === 'fail' || (j.outcome === 'pass' && a.plan.earlyPromote)) return j
  }
}
