/** How a rollout ends: completed, or stopped (an abort, an interrupt or an error) with the stable weights put back or held. */
import { type RolloutRecord, isActive } from './records/rollout-store.js'
import { Stop } from './record-access.js'
import type { RolloutRun } from './rollout-run.js'
import { topStep } from './start-checks.js'
import { isStateDown, stateDownError } from './weight-pushes.js'

/** Every step passed: `to` keeps the top step's weight. */
export async function completeRollout(rollout: RolloutRun): Promise<RolloutRecord> {
  const { plan } = rollout
  let completed = false
  const done = (await rollout.rollouts.update(rollout.entity, (r) =>
    r.abortRequested || !isActive(r)
      ? undefined
      : ((completed = true), { ...r, phase: 'completed', message: `${plan.to} has ${topStep(plan)}%` }),
  )) as RolloutRecord
  if (!completed) throw new Stop('abort')
  rollout.emit({ type: 'completed', message: done.message })
  return done
}

/** The rollout stopped before completing: an abort or an interrupt, or an error. Whatever broke, the stable weights come back; if even that fails, the record says so. */
export async function stoppedRollout(rollout: RolloutRun, e: unknown): Promise<RolloutRecord> {
  const { plan, stable } = rollout
  try {
    if (e instanceof Stop) return await stop(rollout, e.why)
  } catch (failed) {
    throw stateDownError(failed, plan, stable)
  }
  try {
    return await rollout.rollBack(`stopped by an error: ${(e as Error).message}`)
  } catch (failed) {
    const message = `stopped by an error (${(e as Error).message}); restoring the stable weights failed too`
    await rollout.runnerRecord.finish({ phase: 'failed', message }).catch(() => undefined)
    rollout.emit({ type: 'failed', message })
    throw stateDownError(isStateDown(e) ? e : failed, plan, stable, e)
  }
}

async function stop(rollout: RolloutRun, why: 'abort' | 'interrupt'): Promise<RolloutRecord> {
  const current = await rollout.runnerRecord.read()
  // Restored without the state on this machine: put the outcome in the bucket record if it answers.
  if (current?.abortedWithoutState)
    await rollout.runnerRecord
      .finish({
        phase: current.phase,
        message: current.message,
        setWeight: current.setWeight,
        abortedWithoutState: current.abortedWithoutState,
      })
      .catch(() => undefined)
  // `rollout abort` restored the stable weights itself (it thought us gone): nothing to push.
  if (current && !isActive(current)) {
    rollout.emit({ type: current.phase === 'rolled-back' ? 'rolled-back' : 'held', message: current.message })
    return current
  }
  if (why === 'interrupt' && rollout.opts.onInterrupt === 'hold') {
    const held = await rollout.runnerRecord.finish({ phase: 'held', message: 'interrupted; weights left as they were' })
    rollout.emit({ type: 'held', message: held.message })
    return held
  }
  const by = current?.abortRequested
  return rollout.rollBack(
    why === 'abort' ? `aborted by ${by?.who.user ?? 'someone'}@${by?.who.host ?? '?'}` : 'interrupted',
  )
}
