/**
 * `rollout status | abort | promote`: the other terminals' side of a rollout, through the
 * record in the state bucket (and, for an abort while the state is down, through this
 * machine's copy: emergency-abort.ts).
 */
import { LatticeError } from '../errors.js'
import { currentWho, whoText } from '../state/journal.js'
import { type RolloutRecord, isActive } from './records/rollout-store.js'
import { type EntityRef, entityLabel } from '../subjects/index.js'
import type { ChangeOptions } from '../ops/change.js'
import { abortWithoutState } from './emergency-abort.js'
import { POLL_MS, RUNNER_SILENT_MS, readRecord, rolloutsOf, sleep } from './record-access.js'
import { type AbortResult, restoreStable } from './weight-pushes.js'
import type { Session } from '../ops/session.js'

export type { AbortResult }

export async function rolloutStatus(session: Session, entity: EntityRef): Promise<RolloutRecord> {
  const found = await rolloutsOf(session).get(entity)
  if (!found)
    throw new LatticeError('NO_ROLLOUT', `No rollout of ${entityLabel(entity)} is recorded.`, {
      hint: 'Start one with `lattice rollout actor|provider ...`.',
    })
  return found.value
}

/**
 * Ask the runner to abort. It answers within a second; if it shows no sign of life (no
 * heartbeat) for RUNNER_SILENT_MS, or the rollout is held, the abort restores the stable weights itself.
 */
export async function abortRollout(
  session: Session,
  entity: EntityRef,
  opts: { change: ChangeOptions },
): Promise<AbortResult> {
  // --without-state and the state could not be opened: this machine's copy, or exact instructions.
  if (!session.journal && session.withoutState) return abortWithoutState(session, entity, opts)
  const rollouts = rolloutsOf(session)
  const found = await rollouts.get(entity)
  const abortable = (r: RolloutRecord) => isActive(r) || r.phase === 'held'
  if (!found || !abortable(found.value)) {
    throw new LatticeError(
      'NO_ROLLOUT',
      `No rollout of ${entityLabel(entity)} is running${found ? ` (the last one is ${found.value.phase})` : ''}.`,
      { hint: 'See `lattice rollout status`.' },
    )
  }
  const who = currentWho()
  await rollouts.update(entity, (r) => ({ ...r, abortRequested: { who, at: new Date().toISOString() } }))
  let seen = { heartbeat: found.value.heartbeat, since: Date.now() }
  while (found.value.phase !== 'held') {
    const r = await readRecord(rollouts, entity)
    if (r && !isActive(r)) return r
    if (r && r.heartbeat !== seen.heartbeat) seen = { heartbeat: r.heartbeat, since: Date.now() }
    if (Date.now() - seen.since > RUNNER_SILENT_MS) break
    await sleep(POLL_MS)
  }
  // No runner (held, or gone): do its last job for it.
  const r = (await rollouts.get(entity))?.value as RolloutRecord
  await restoreStable(session, entity, r.stable, opts.change)
  const why = r.phase === 'held' ? 'the rollout was held' : 'the runner did not answer'
  return (await rollouts.update(entity, (x) => ({
    ...x,
    phase: 'rolled-back',
    setWeight: x.stable?.[x.plan.to] ?? 0,
    message: `aborted by ${whoText(who)}; ${why}, so the abort restored the stable weights itself`,
  }))) as RolloutRecord
}

export async function promoteRollout(session: Session, entity: EntityRef): Promise<RolloutRecord> {
  const rollouts = rolloutsOf(session)
  let promoted = false
  const r = await rollouts.update(entity, (x) =>
    x.phase === 'paused' && !x.promoteRequested ? ((promoted = true), { ...x, promoteRequested: true }) : undefined,
  )
  if (!promoted) {
    throw new LatticeError(
      'NO_ROLLOUT',
      `No rollout of ${entityLabel(entity)} is waiting at a pause${r ? ` (it is ${r.phase}${r.promoteRequested ? ', already promoted' : ''})` : ''}.`,
      { hint: 'See `lattice rollout status`.' },
    )
  }
  return r as RolloutRecord
}
