/**
 * A step's wait under the sequential judge (--analysis-judge sequential): after every report (or
 * every second) the calls since the step started are judged by src/analysis/sequential-judge.ts.
 * A Fail ends the wait at once; with --early-promote, a Pass of every critical metric does too.
 * Otherwise the wait lasts its --interval and the fixed judgement follows, as without it.
 */
import { SequentialJudge } from '../analysis/sequential-judge.js'
import type { RolloutRun } from './rollout-run.js'
import type { Judgement } from './traffic-analysis.js'

/** How long a look waits for a report before looking anyway. */
const LOOK_MS = 1000

/** Does this rollout's analysis watch its steps sequentially? A dry run does not (it acts on nothing). */
export const watchesSequentially = (rollout: RolloutRun) =>
  rollout.analysis?.plan.judge === 'sequential' && rollout.analysis.plan.mode !== 'dry-run'

/** Wait the step's interval; returns the judgement that ended it early, if one did. */
export async function watchStep(rollout: RolloutRun, alone: boolean): Promise<Judgement | undefined> {
  const a = rollout.analysis
  if (!a) return undefined
  const judge = new SequentialJudge(a.plan.thresholds)
  const end = Date.now() + rollout.plan.intervalMs
  for (;;) {
    const left = end - Date.now()
    if (left <= 0) return undefined
    await a.nextReport(Math.min(LOOK_MS, left))
    await rollout.runnerRecord.checkpoint() // an abort or an interrupt stops the wait as before
    const j = a.look(judge, alone)
    if (j.outcome === 'fail' || (j.outcome === 'pass' && a.plan.earlyPromote)) return j
  }
}
