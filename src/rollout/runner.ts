/**
 * Progressive rollouts, run as docs/rollouts.md tells them: start (check the plan against the
 * live weights, record it in the state bucket), then for each step set the weight, wait and
 * observe the real calls, judge them (real-traffic analysis) and run the gates; at the end
 * complete, or, on a failure, an abort from any terminal or an interrupt, put the stable weights
 * back in one push. Progress lives in the state bucket, so `rollout status | abort | promote`
 * work from anywhere.
 */
import type { Session } from '../ops/session.js'
import type { RolloutPlan } from './plan/rollout-plan.js'
import type { RolloutRecord } from './records/rollout-store.js'
import { completeRollout, stoppedRollout } from './rollout-end.js'
import type { RunOptions } from './rollout-run.js'
import { startRollout } from './rollout-start.js'
import { judgeTraffic, runGates, setWeight, waitAndObserve, waitForPromote } from './rollout-steps.js'

/** Run a rollout to its end: completed, rolled back or held (the record says which). */
export async function runRollout(session: Session, plan: RolloutPlan, opts: RunOptions): Promise<RolloutRecord> {
  const { rollout, announce } = await startRollout(session, plan, opts)
  try {
    await announce()
    for (const [index, step] of plan.steps.entries()) {
      if (step === 'pause') {
        await waitForPromote(rollout, index)
        continue
      }
      const alone = await setWeight(rollout, index, step)
      const seen = await waitAndObserve(rollout, step, alone)
      const ended = (await judgeTraffic(rollout, step, alone, seen.judged)) ?? (await runGates(rollout, seen.facts))
      if (ended) return ended
    }
    return await completeRollout(rollout)
  } catch (e) {
    return await stoppedRollout(rollout, e)
  } finally {
    rollout.close()
  }
}
