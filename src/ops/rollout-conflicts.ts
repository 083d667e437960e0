/**
 * Changes a rollout would undo, and changes that would undo a rollout. A change to an entity
 * whose rollout runs is overwritten by the rollout's next step or its abort; applying a spec
 * written before a completed rollout puts the old weights back. Both are refused unless
 * --force; a rollback only warns (the emergency path: docs/rollouts.md); a rollout's own steps
 * and its way back pass. Every change consults this, so it stands below the rollout runner.
 */
import { LatticeError } from '../errors.js'
import type { Route } from '../plan/routes.js'
import { type Weights, describeWeights, sameWeights, shiftWeights } from '../plan/weights.js'
import { routedEnvironments } from '../spec/compile.js'
import type { Spec } from '../spec/parse.js'
import { type RolloutRecord, Rollouts, isActive } from '../rollout/records/rollout-store.js'
import { DEFAULT_LINK, type EntityRef, entityKey, entityLabel, ownerKey } from '../subjects/index.js'
import { whoText } from '../state/journal.js'
import type { ChangeOptions, EntityChange } from './change-types.js'
import type { Session } from './session.js'

/** `lattice rollout VERB ID [--link L]` for an entity. */
export function rolloutCommand(verb: 'status' | 'abort' | 'promote', e: EntityRef): string {
  const link = e.kind === 'provider' && e.link && e.link !== DEFAULT_LINK ? ` --link ${e.link}` : ''
  return `lattice rollout ${verb} ${e.id}${link}${e.kind === 'service' ? ' --service' : ''}`
}

/** The weights a completed rollout left: its stable ones with `to` shifted to its last step. */
export function rolloutResult(r: RolloutRecord): Weights {
  return shiftWeights(r.stable && Object.keys(r.stable).length ? r.stable : { [r.plan.from]: 100 }, {
    to: r.plan.to,
    weight: r.setWeight,
    from: r.plan.from,
  })
}

/** "step 2 of 4" (pauses are not steps). */
function stepOf(r: RolloutRecord): string {
  const numbered = r.plan.steps.filter((s) => s !== 'pause').length
  const done = r.plan.steps.slice(0, r.step + 1).filter((s) => s !== 'pause').length
  return `step ${done} of ${numbered}`
}

export function runningRolloutError(r: RolloutRecord): LatticeError {
  const e = r.plan.entity
  const label = entityLabel(e)
  const where = r.phase === 'held' ? 'held' : r.phase === 'paused' ? 'paused' : 'running'
  const back = r.stable ? describeWeights(r.stable) : 'no mapping'
  const next = r.phase === 'held' ? 'its abort' : 'its next step or its abort'
  const promote = r.phase === 'paused' ? `, go on with \`${rolloutCommand('promote', e)}\`` : ''
  return new LatticeError(
    'ROLLOUT_RUNNING',
    `A rollout of ${label} is ${where} (${r.plan.from} -> ${r.plan.to}, ${stepOf(r)}: ${r.plan.to} at ${r.setWeight}%; started ${r.startedAt} by ${whoText(r.who)}): ${next} would overwrite this change. Nothing was changed.`,
    {
      hint: `See it with \`${rolloutCommand('status', e)}\`${promote}, or stop it with \`${rolloutCommand('abort', e)}\` (puts back ${back}) and then change the weights; --force changes them now anyway, and the rollout overwrites them later.`,
      details: {
        rollout: {
          entity: label,
          phase: r.phase,
          from: r.plan.from,
          to: r.plan.to,
          setWeight: r.setWeight,
          startedAt: r.startedAt,
          who: r.who,
        },
      },
    },
  )
}

/** How to make the spec say what the rollout made live. */
function specAdvice(spec: Spec, routes: Map<string, Route>, r: RolloutRecord, live: Weights): string {
  const routed = routedEnvironments(spec, routes)
  if (spec.live !== undefined && routed.length === 1 && routed[0] !== spec.live)
    return `Set live: ${routed[0]} in ${spec.file} (the rollout made ${routed[0]} live)`
  const key = entityKey(r.plan.entity)
  const weights = `{ ${Object.entries(live)
    .map(([v, w]) => `"${v}": ${w}`)
    .join(', ')} }`
  if (spec.splits.some((s) => entityKey(s.entity) === key))
    return `Set the split of ${entityLabel(r.plan.entity)} in ${spec.file} to weights: ${weights}`
  const single = Object.entries(live).length === 1 ? Object.keys(live)[0] : undefined
  const env =
    spec.live !== undefined && spec.environments[spec.live]?.some((p) => entityKey(p.entity) === key)
      ? spec.live
      : undefined
  if (env && single) return `Pin ${entityLabel(r.plan.entity)} to "${single}" in environment ${env} of ${spec.file}`
  return `Make ${spec.file} route ${entityLabel(r.plan.entity)} as it is live (${describeWeights(live)}; \`lattice status\`)`
}

export function liveNewerError(
  spec: Spec,
  routes: Map<string, Route>,
  r: RolloutRecord,
  change: EntityChange,
): LatticeError {
  const label = entityLabel(r.plan.entity)
  const live = change.before ?? {}
  const revision = r.revision === undefined ? '' : `, revision ${r.revision}`
  return new LatticeError(
    'LIVE_NEWER',
    `The live routing of ${label} is newer than ${spec.file}: the rollout ${r.plan.from} -> ${r.plan.to} completed at ${r.updatedAt}${revision} (by ${whoText(r.who)}) and left ${describeWeights(live)}; ${spec.file} would put back ${change.after ? describeWeights(change.after) : 'no mapping'}. Nothing was changed.`,
    {
      hint: `${specAdvice(spec, routes, r, live)}, so the file says what is live; or pass --force to apply ${spec.file} as it is (undoing the rollout).`,
      details: {
        rollout: {
          entity: label,
          from: r.plan.from,
          to: r.plan.to,
          completedAt: r.updatedAt,
          ...(r.revision === undefined ? {} : { revision: r.revision }),
          live,
          spec: change.after,
        },
      },
    },
  )
}

/**
 * The refusals (and, for a rollback, warnings) the rollouts of the changed entities call for.
 * Without the state (no --state-creds, or --without-state) there is no record to read.
 */
export async function rolloutConflicts(
  session: Session,
  changes: EntityChange[],
  routes: Map<string, Route>,
  opts: ChangeOptions,
): Promise<{ refusals: LatticeError[]; warnings: string[] }> {
  const out = { refusals: [] as LatticeError[], warnings: [] as string[] }
  if (!session.journal || opts.rolloutStep) return out
  const rollouts = new Rollouts(session.journal.store, session.account)
  let records: (RolloutRecord | undefined)[]
  try {
    records = await Promise.all(changes.map(async (c) => (await rollouts.get(c.entity))?.value))
  } catch (e) {
    out.warnings.push(
      `The rollouts of the changed entities could not be read (${(e as Error).message}), so a running one is not checked for.`,
    )
    return out
  }
  const seen = new Set<string>()
  for (const [i, r] of records.entries()) {
    // A service's rollout is found from each of its endpoints: said once.
    if (!r || r.lattice !== session.lattice || seen.has(ownerKey(r.plan.entity))) continue
    seen.add(ownerKey(r.plan.entity))
    const change = changes[i]
    if (isActive(r) || r.phase === 'held') {
      const error = runningRolloutError(r)
      if (opts.rolledBackTo === undefined) out.refusals.push(error)
      else
        out.warnings.push(
          `${error.message.replace(' Nothing was changed.', '')} The rollback goes ahead (the emergency path); \`${rolloutCommand('abort', r.plan.entity)}\` stops the rollout.`,
        )
    } else if (opts.spec && r.phase === 'completed' && change.before && sameWeights(change.before, rolloutResult(r))) {
      out.refusals.push(liveNewerError(opts.spec, routes, r, change))
    }
  }
  return out
}
