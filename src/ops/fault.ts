/**
 * Failure injection: N% of an entity's calls are mapped to `<subject>._drop`, which nobody
 * serves, so callers get "no responders". The versions' weights are scaled to the rest. The
 * weights from before are kept (in the state bucket when there is one) so that clearing the
 * fault puts them back exactly. A service's fault is on each of its endpoints (as routed).
 */
import { LatticeError } from '../errors.js'
import type { Route } from '../plan/routes.js'
import { type Weights, assertWeight, sameWeights, scaleWeights, sumWeights } from '../plan/weights.js'
import { DEFAULT_LINK, type EntityRef, entityKey, entityLabel, versionToken } from '../subjects/index.js'
import { type ChangeOptions, type ChangeResult, changeRoutes } from './change.js'
import type { Session } from './session.js'
import { serviceEntities } from './service-entities.js'

interface FaultRecord {
  /** The entity's weights before the fault. */
  weights: Weights
  drop: number
}

const faultKey = (session: Session, entity: EntityRef) => `${session.account}.fault.${versionToken(entityKey(entity))}`

/** The command that clears the fault on `entity`. */
export function faultClearCommand(entity: EntityRef): string {
  const link = entity.kind === 'provider' && entity.link && entity.link !== DEFAULT_LINK ? ` --link ${entity.link}` : ''
  return `lattice fault clear ${entity.id}${link}${entity.kind === 'service' ? ' --service' : ''}`
}

/** The routes a fault on `entity` changes: a service's endpoints, as lattice routed them. */
const routesOf = (session: Session, entity: EntityRef) =>
  entity.kind === 'service' ? serviceEntities(session, entity.id) : Promise.resolve([entity])

/** Each route's saved weights from before the fault (by entity key). */
async function savedFaults(session: Session, entities: EntityRef[]): Promise<Map<string, FaultRecord>> {
  const out = new Map<string, FaultRecord>()
  if (!session.journal) return out
  for (const e of entities) {
    const saved = (await session.journal.store.get<FaultRecord>(faultKey(session, e)))?.value
    if (saved) out.set(entityKey(e), saved)
  }
  return out
}

/**
 * How to remove the fault live on `entity`: `lattice fault clear` when the state records that
 * command set it, the spec when the state has no record, and both ways when there is no state.
 */
export async function faultRemedy(session: Session, entity: EntityRef): Promise<string> {
  const clear = `\`${faultClearCommand(entity)}\``
  const spec = "remove it from the spec's faults: and run `lattice apply`"
  const bothWays = `If \`lattice fault\` set it, run ${clear}; if the spec sets it, ${spec}`
  if (!session.journal) return bothWays
  const [route = entity] = await routesOf(session, entity).catch(() => [entity])
  const record = await session.journal.store.get<FaultRecord>(faultKey(session, route)).catch(() => 'unknown' as const)
  if (record === 'unknown') return bothWays
  return record ? `Run ${clear}` : `It is not from \`lattice fault\` (the state has no record of it): ${spec}`
}

/**
 * The entity's weights without the fault: the saved ones when they still explain what is live
 * (a record left by a fault cleared elsewhere must not bring back old weights); otherwise the
 * live ones scaled back up (exact whenever they scale evenly).
 */
function weightsBefore(route: Route | undefined, saved: FaultRecord | undefined): Weights {
  const live = route?.weights ?? {}
  if (!route?.drop) return live
  if (
    saved &&
    sameWeights(
      saved.drop === 100 || sumWeights(saved.weights) === 0 ? {} : scaleWeights(saved.weights, 100 - saved.drop),
      live,
    ) &&
    saved.drop === route.drop
  )
    return saved.weights
  return Object.keys(live).length ? scaleWeights(live, 100) : {}
}

export async function injectFault(
  session: Session,
  entity: EntityRef,
  drop: number,
  opts: ChangeOptions,
): Promise<ChangeResult & { restore: Weights }> {
  assertWeight(drop, String(drop), '--drop')
  if (drop === 0)
    throw new LatticeError('INVALID_WEIGHT', '--drop 0 injects nothing.', {
      hint: 'To remove a fault, run `lattice fault clear`.',
    })
  const entities = await routesOf(session, entity)
  const saved = await savedFaults(session, entities)
  const restore: Record<string, Weights> = {}
  const result = await changeRoutes(
    session,
    (routes) =>
      entities.map((e) => {
        const current = routes.get(entityKey(e))
        const before = (restore[entityKey(e)] = weightsBefore(current, saved.get(entityKey(e))))
        const weights = drop === 100 || sumWeights(before) === 0 ? {} : scaleWeights(before, 100 - drop)
        return { entity: e, weights, drop, ...(current?.clusters ? { clusters: current.clusters } : {}) }
      }),
    // The drop subject is meant to have no subscriber: the readiness gate only looks at versions.
    opts,
  )
  if (session.journal && result.pushed)
    for (const e of entities)
      await session.journal.store.put<FaultRecord>(faultKey(session, e), { weights: restore[entityKey(e)], drop })
  // A service's endpoints each have theirs (saved in the state, which services need): the first one's is shown.
  return { ...result, restore: restore[entityKey(entities[0] ?? entity)] ?? {} }
}

export async function clearFault(
  session: Session,
  entity: EntityRef,
  opts: ChangeOptions,
  /** The weights from before, when this process injected the fault (without the state there is no saved copy); one route only. */
  remembered?: Weights,
): Promise<ChangeResult> {
  const entities = await routesOf(session, entity)
  const saved = await savedFaults(session, entities)
  const result = await changeRoutes(
    session,
    (routes) => {
      const faulty = entities.filter((e) => routes.get(entityKey(e))?.drop)
      if (faulty.length === 0)
        throw new LatticeError('NO_FAULT', `${entityLabel(entity)} has no fault injected.`, {
          hint: 'See `lattice status`.',
        })
      return faulty.map((e) => {
        const current = routes.get(entityKey(e)) as Route
        const weights =
          (entities.length === 1 ? remembered : undefined) ?? weightsBefore(current, saved.get(entityKey(e)))
        return {
          entity: e,
          weights: Object.keys(weights).length ? weights : null,
          ...(current.clusters ? { clusters: current.clusters } : {}),
        }
      })
    },
    // Putting back what was live before needs no readiness gate.
    { ...opts, force: true },
  )
  if (session.journal && result.pushed)
    for (const e of entities) await session.journal.store.remove(faultKey(session, e))
  return result
}
