/** `lattice shift`: give one version of one entity (each endpoint of a service) an exact share of its traffic. */
import { LatticeError, isLatticeError } from '../errors.js'
import { type Weights, assertWeight, shiftWeights } from '../plan/weights.js'
import { type EntityRef, clusterNameProblem, entityKey, entityLabel, quoted } from '../subjects/index.js'
import { checkEntity, checkEntityVersion } from './entity.js'
import { type ChangeOptions, type ChangeResult, type LiveState, changeRoutes } from './change.js'
import type { Route, RouteChange } from '../plan/routes.js'
import { faultRemedy } from './fault.js'
import type { Session } from './session.js'
import { serviceEntities } from './service-entities.js'

export type ShiftInput =
  | {
      entity: EntityRef
      to: string
      weight: number
      from?: string
      /** Shift only the weights servers of this cluster use (cluster-scoped mapping). */
      cluster?: string
      clear?: undefined
    }
  /** Remove the cluster's scoped weights. */
  | { entity: EntityRef; cluster: string; clear: true }

/** Check every part of a shift request; throws the first problem. Returns it with versions in NFC. */
export function validateShift(request: ShiftInput): ShiftInput {
  checkEntity(request.entity)
  const clusterProblem = request.cluster === undefined ? undefined : clusterNameProblem(request.cluster)
  if (clusterProblem) {
    throw new LatticeError(
      'INVALID_TOKEN',
      `Invalid cluster name ${quoted(request.cluster ?? '')}: ${clusterProblem}.`,
      { hint: 'Use the cluster name the servers are configured with (cluster { name: ... }).' },
    )
  }
  if (request.clear) return request
  const input = {
    ...request,
    to: checkEntityVersion(request.entity, '--to', request.to),
    ...(request.from === undefined ? {} : { from: checkEntityVersion(request.entity, '--from', request.from) }),
  }
  if (input.from !== undefined && input.from === input.to) {
    throw new LatticeError('INVALID_SHIFT', `--from and --to are both "${input.to}".`, {
      hint: 'Name two different versions.',
    })
  }
  assertWeight(input.weight)
  return input
}

export async function shift(session: Session, request: ShiftInput, opts: ChangeOptions): Promise<ChangeResult> {
  const input = validateShift(request)
  if (input.entity.kind === 'service' && !session.journal && !opts.dryRun)
    throw new LatticeError(
      'NO_STATE',
      `Steering service ${input.entity.id} needs the state: lattice remembers there which subjects its callers call. Pass --state-creds (LATTICE_STATE_CREDS).`,
      { hint: 'A --dry-run works without it. Nothing was changed.' },
    )
  const entities =
    input.entity.kind === 'service'
      ? await serviceEntities(session, input.entity.id, input.clear ? undefined : input)
      : [input.entity]
  try {
    return await changeShift(session, input, entities, opts)
  } catch (e) {
    // The planner cannot read the state; the hint for a fault is worked out here, when needed.
    if (!isLatticeError(e) || e.code !== 'INVALID_SHIFT' || !e.details?.fault) throw e
    throw new LatticeError(e.code, e.message, {
      hint: `Clear the fault first, then shift. ${await faultRemedy(session, input.entity)}.`,
      details: e.details,
    })
  }
}

function changeShift(
  session: Session,
  input: ShiftInput,
  entities: EntityRef[],
  opts: ChangeOptions,
): Promise<ChangeResult> {
  return changeRoutes(session, (routes, live) => entities.map((entity) => shiftOne(entity, input, routes, live)), opts)
}

function shiftOne(entity: EntityRef, input: ShiftInput, routes: Map<string, Route>, live: LiveState): RouteChange {
  const current = routes.get(entityKey(entity))
  if (current?.drop) {
    throw new LatticeError('INVALID_SHIFT', `${entityLabel(entity)} has a fault injected (${current.drop}% dropped).`, {
      details: { fault: { drop: current.drop } },
    })
  }
  const nonEmpty = (w: Weights | undefined) => (w && Object.keys(w).length ? w : undefined)
  if (input.clear) {
    // Nothing scoped to that cluster: "no change" (a cluster that is down may still be cleared).
    const { [input.cluster]: _cleared, ...rest } = current?.clusters ?? {}
    return { entity, weights: current?.weights ?? null, clusters: rest }
  }
  if (input.cluster === undefined)
    return { entity, weights: shiftWeights(nonEmpty(current?.weights), input), clusters: current?.clusters }
  const known = [...new Set(live.servers.flatMap((s) => (s.cluster ? [s.cluster] : [])))]
  if (!known.includes(input.cluster)) {
    throw new LatticeError('UNKNOWN_CLUSTER', `No server that answered is in cluster "${input.cluster}".`, {
      hint: `Clusters: ${known.join(', ') || '(none: the servers are not clustered)'}.`,
    })
  }
  const scoped = shiftWeights(nonEmpty(current?.clusters?.[input.cluster]), input)
  return {
    entity,
    weights: current?.weights ?? null,
    clusters: { ...current?.clusters, [input.cluster]: scoped },
  }
}
