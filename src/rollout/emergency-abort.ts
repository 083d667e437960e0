/**
 * `rollout abort --without-state` when the rollout record cannot be read: restore the stable
 * weights from this machine's copy of the record (a runner here keeps one), or, with no copy,
 * say exactly what to run: the live weights and the `lattice shift ... --without-state`
 * command(s) that put the stable version back.
 */
import { serviceCatalogue } from '../ops/service-catalogue.js'
import { LatticeError } from '../errors.js'
import { routesFromMappings } from '../plan/routes.js'
import type { Weights } from '../plan/weights.js'
import { currentWho, whoText } from '../state/journal.js'
import { readRolloutCopy, saveRolloutCopy } from './records/rollout-copy.js'
import { type RolloutRecord, isActive } from './records/rollout-store.js'
import { WITHOUT_STATE_FLAG } from '../state/without-state-words.js'
import { DEFAULT_LINK, type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import type { ChangeOptions } from '../ops/change.js'
import { loadLiveAccount } from '../ops/live-account.js'
import { type AbortResult, restoreStable } from './weight-pushes.js'
import type { Session } from '../ops/session.js'

const describe = (w: Weights | null) =>
  w && Object.keys(w).length
    ? Object.entries(w)
        .map(([v, x]) => `${v} ${x}%`)
        .join(', ')
    : 'no mapping (every running version shares the traffic)'

export async function abortWithoutState(
  session: Session,
  entity: EntityRef,
  opts: { change: ChangeOptions },
): Promise<AbortResult> {
  const why = session.withoutState?.reason ?? 'no --state-creds'
  const copy = readRolloutCopy(session.account, entity)
  if (!copy || copy.lattice !== session.lattice || !(isActive(copy) || copy.phase === 'held'))
    throw await whatToRun(session, entity, why, copy)
  const result = await restoreStable(session, entity, copy.stable, opts.change)
  const who = currentWho()
  const at = new Date().toISOString()
  const record: RolloutRecord = {
    ...copy,
    phase: 'rolled-back',
    setWeight: copy.stable?.[copy.plan.to] ?? 0,
    message: `aborted by ${whoText(who)} without the lattice state (${why}): the stable weights (${describe(copy.stable)}) were restored from this machine's copy of the rollout record (as of ${copy.updatedAt})`,
    abortedWithoutState: { who, at },
    updatedAt: at,
  }
  saveRolloutCopy(session.account, record)
  return { ...record, ...(result.withoutState ? { withoutState: true as const } : {}), warnings: result.warnings }
}

/** No usable copy: the error says what is live and exactly which command puts the stable version back. */
async function whatToRun(
  session: Session,
  entity: EntityRef,
  why: string,
  copy: RolloutRecord | undefined,
): Promise<LatticeError> {
  const live = await loadLiveAccount(session)
  const route = routesFromMappings(live.claims.nats.mappings, session.lattice, await serviceCatalogue(session)).find(
    (r) => entityKey(r.entity) === entityKey(entity),
  )
  const weights = route && Object.keys(route.weights).length ? route.weights : null
  const versions = Object.keys(weights ?? {}).filter((v) => (weights as Weights)[v] > 0)
  const link = entity.kind === 'provider' && entity.link && entity.link !== DEFAULT_LINK ? ` --link ${entity.link}` : ''
  const command = (version: string) =>
    `lattice shift ${entity.kind} ${entity.id}${link} --to ${version} --weight 100 ${WITHOUT_STATE_FLAG}`
  const label = entityLabel(entity)
  const decides =
    "which version served the traffic before the rollout: the rollout's --from (in the spec's `rollouts`, or the command that started it)"
  const commands = versions.length === 2 ? versions.map(command) : versions.length === 0 ? [] : [command('<stable>')]
  const lines = [
    `The rollout record of ${label} cannot be read (${why})${copy ? `, and this machine's copy is of a rollout that is ${copy.phase}` : ', and this machine holds no copy of it (its runner ran elsewhere)'}: lattice cannot tell which weights were stable. Nothing was changed.`,
    `Live weights of ${label}: ${describe(weights)}.`,
  ]
  if (versions.length === 2) {
    lines.push(
      `If ${versions[0]} was the stable version, run:\n    ${commands[0]}`,
      `If ${versions[1]} was the stable version, run:\n    ${commands[1]}`,
      `What decides: ${decides}.`,
    )
  } else if (versions.length === 1) {
    lines.push(
      `If ${versions[0]} is the stable version, nothing needs to be done. Otherwise run, with the stable version for <stable>:\n    ${command('<stable>')}`,
      `What decides: ${decides}.`,
    )
  } else if (versions.length > 2) {
    lines.push(
      `Put the stable version back with:\n    ${command('<stable>')}`,
      `(if the weights before the rollout were a split, set each with --to V --weight N). What decides: ${decides}.`,
    )
  } else {
    lines.push('No version has a weight: the rollout has not set any; nothing needs to be done.')
  }
  lines.push(
    'Use the same connection flags as this command. If the rollout runner is still running, stop it (Ctrl-C in its terminal) so it does not step on once the state is back.',
  )
  return new LatticeError('ROLLOUT_RECORD_UNAVAILABLE', lines.join('\n  '), {
    hint: 'Once the state is back, `lattice rollout status` and `lattice history` show the rollout and the weights before it.',
    details: { live: weights ?? {}, commands },
  })
}
