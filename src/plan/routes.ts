/**
 * Routes: the lattice's view of subject mappings. A route is one entity's unversioned subject
 * mapped to weighted versioned subjects. Conversions both ways; nothing but a source under
 * `wasmbus.rpc.<lattice>.` (versioned RPC), exactly `<lattice>.<component-id>.wrpc.>` (wRPC) or
 * the caller subject of a service endpoint lattice remembers (its catalogue) is ever read as a
 * route or written.
 */
import { type Weights, sumWeights } from './weights.js'
import {
  type EntityRef,
  type ServiceCatalogue,
  dropSubject,
  entityKey,
  parseUnversionedSubject,
  unversionedSubject,
  versionOfDestination,
  versionedSubject,
} from '../subjects/index.js'

/** One destination of a subject mapping, as the account JWT spells it. */
export interface MappingDestination {
  subject: string
  weight?: number
  cluster?: string
}
export type Mappings = Record<string, MappingDestination[]>

/**
 * The share a destination gets, as the servers read it: a weight of 0 or none at all is 100%
 * (Go jwt `GetWeight()`; its encoder omits a zero weight). So lattice never writes 0.
 */
export function destinationWeight(d: MappingDestination): number {
  return d.weight ? Number(d.weight) : 100
}

export interface Route {
  entity: EntityRef
  /** The unversioned subject this route maps. */
  subject: string
  /** version -> percent */
  weights: Weights
  /** Percent sent to the drop subject (fault injection); the rest of 100 - drop - sum(weights) stays on the source subject. */
  drop?: number
  /** Cluster-scoped weights: cluster -> version -> percent. A server in that cluster uses these instead of `weights`. */
  clusters?: Record<string, Weights>
  /** Destinations lattice did not write (another tool's): shown, never edited. */
  foreign?: MappingDestination[]
}

export function routesFromMappings(
  mappings: Mappings | undefined,
  lattice: string,
  services?: ServiceCatalogue,
): Route[] {
  const routes: Route[] = []
  const endpoints = serviceEndpoints(services)
  for (const [subject, destinations] of Object.entries(mappings ?? {})) {
    const entity = parseUnversionedSubject(lattice, subject) ?? endpoints.get(subject)
    if (!entity) continue
    const entries: [string, number][] = []
    const scoped = new Map<string, [string, number][]>()
    const foreign: MappingDestination[] = []
    let drop = 0
    let passthrough: MappingDestination | undefined
    const dropTo = dropSubject(lattice, entity)
    for (const d of destinations ?? []) {
      if (d.cluster === undefined && d.subject === dropTo && drop === 0) {
        drop = destinationWeight(d)
        continue
      }
      // A component's source is also its own version (the component ID itself), a service's often too.
      if (
        d.cluster === undefined &&
        d.subject === subject &&
        !passthrough &&
        versionOfDestination(lattice, entity, subject) === undefined
      ) {
        passthrough = d
        continue
      }
      const version = versionOfDestination(lattice, entity, d.subject)
      const list = d.cluster === undefined ? entries : (scoped.get(d.cluster) ?? [])
      if (version === undefined || list.some(([v]) => v === version)) foreign.push(d)
      else {
        list.push([version, destinationWeight(d)])
        if (d.cluster !== undefined) scoped.set(d.cluster, list)
      }
    }
    // fromEntries defines own properties, so any version name (even "__proto__") is a plain key.
    // The source itself as a destination is ours only beside a drop (the share left undisturbed).
    if (passthrough && drop === 0) foreign.push(passthrough)
    const clusters =
      scoped.size > 0 ? Object.fromEntries([...scoped].map(([c, list]) => [c, Object.fromEntries(list)])) : undefined
    routes.push({
      entity,
      subject,
      weights: Object.fromEntries(entries),
      ...(drop > 0 ? { drop } : {}),
      ...(clusters ? { clusters } : {}),
      ...(foreign.length ? { foreign } : {}),
    })
  }
  return routes
}

/** Each remembered service endpoint as a route's entity, by its caller subject. */
function serviceEndpoints(services: ServiceCatalogue | undefined): Map<string, EntityRef> {
  const out = new Map<string, EntityRef>()
  for (const [id, endpoints] of Object.entries(services ?? {}))
    for (const [endpoint, subjects] of Object.entries(endpoints))
      out.set(subjects.caller, { kind: 'service', id, endpoint, subjects })
  return out
}

export function destinationsFor(
  lattice: string,
  entity: EntityRef,
  weights: Weights,
  drop = 0,
  clusters: Record<string, Weights> = {},
): MappingDestination[] {
  const source = unversionedSubject(lattice, entity)
  const out: MappingDestination[] = Object.entries(weights)
    .filter(([, w]) => w > 0)
    .map(([version, weight]) => ({ subject: versionedSubject(lattice, entity, version), weight }))
  if (drop > 0) {
    const rest = 100 - drop - sumWeights(weights)
    // The undisturbed rest stays on the source; a component's source is its own version (id).
    const self = out.find((d) => d.subject === source)
    if (rest > 0 && self) self.weight = (self.weight ?? 0) + rest
    else if (rest > 0) out.push({ subject: source, weight: rest })
    out.push({ subject: dropSubject(lattice, entity), weight: drop })
  }
  for (const [cluster, scoped] of Object.entries(clusters)) {
    for (const [version, weight] of Object.entries(scoped))
      if (weight > 0) out.push({ subject: versionedSubject(lattice, entity, version), weight, cluster })
  }
  return out
}

/** One entity's routing before and after a change, as reported and recorded. */
export interface EntityChange {
  entity: EntityRef
  subject: string
  before: Weights | null
  after: Weights | null
  /** Fault injection: percent dropped before and after (present only when either is non-zero). */
  drop?: { before: number; after: number }
  /** Cluster-scoped weights before and after (present only when either has some). */
  clusters?: { before: Record<string, Weights>; after: Record<string, Weights> }
}

/** A desired change: the entity's new weights (and drop), or null weights and no drop to remove its mapping. */
export interface RouteChange {
  entity: EntityRef
  weights: Weights | null
  drop?: number
  /** The complete cluster-scoped weights after the change (absent: none). */
  clusters?: Record<string, Weights>
}

/** Clusters with at least one version given weight. */
export function liveClusters(clusters: Record<string, Weights> | undefined): Record<string, Weights> {
  return Object.fromEntries(Object.entries(clusters ?? {}).filter(([, w]) => Object.values(w).some((x) => x > 0)))
}

/**
 * `mappings` with the given routes replaced. Every other mapping keeps its value and position;
 * new routes are appended. Returns undefined when no mapping is left.
 */
export function applyRouteChanges(
  mappings: Mappings | undefined,
  lattice: string,
  changes: RouteChange[],
): Mappings | undefined {
  const next: Mappings = { ...(mappings ?? {}) }
  for (const change of changes) {
    const subject = unversionedSubject(lattice, change.entity)
    const weights = change.weights ?? {}
    const clusters = liveClusters(change.clusters)
    if (Object.keys(weights).length === 0 && !change.drop && Object.keys(clusters).length === 0) delete next[subject]
    else next[subject] = destinationsFor(lattice, change.entity, weights, change.drop, clusters)
  }
  return Object.keys(next).length > 0 ? next : undefined
}

export function routeIndex(routes: Route[]): Map<string, Route> {
  return new Map(routes.map((r) => [entityKey(r.entity), r]))
}
