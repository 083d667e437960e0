/**
 * `lattice watch` and `lattice verify`: the split of real traffic, observed passively (nothing is
 * sent), next to the live weights. Each entity's calls are counted from the hosts' metrics
 * reports where they cover every instance, by an application-account subscription to the
 * versioned subjects otherwise (traffic/observation.ts).
 */
import { MetricsCollector, windowBetween } from '../analysis/collector.js'
import { summarize } from '../analysis/judge.js'
import type { VersionSummary } from '../analysis/record.js'
import { LatticeError } from '../errors.js'
import { type Route, routesFromMappings } from '../plan/routes.js'
import type { Weights } from '../plan/weights.js'
import type { Connection } from '../resolver/connection.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { chiSquareTest } from '../stats/chi-square.js'
import { type EntityRef, entityKey, entityLabel, entityQueueGroup, parseVersionedSubject, servesVersion, versionedSubject } from '../subjects/index.js'
import { type Counts, observedShares } from '../traffic/passive-subscription.js'
import { type ObserveMode, type ObservedBy, type ObservedEntity, Observation } from '../traffic/observation.js'
import { loadLiveAccount } from './live-account.js'
import type { Session } from './session.js'

export function appOf(session: Session): Connection {
  if (!session.app) throw new LatticeError('NO_APP_CREDS', 'Observing traffic needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).', { hint: 'Use creds of a user of the account the actors run in; it only subscribes.' })
  return session.app
}

/** The live routes of the lattice (only `only`, when given), and the account's subscriptions (read with them). */
async function liveRoutes(session: Session, only?: EntityRef[]): Promise<{ routes: Route[]; subscriptions: Subscriber[] }> {
  const live = await loadLiveAccount(session)
  const all = routesFromMappings(live.claims.nats.mappings, session.lattice)
  const wanted = new Set((only ?? []).map(entityKey))
  return { routes: only?.length ? all.filter((r) => wanted.has(entityKey(r.entity))) : all, subscriptions: await live.subscriptions() }
}

/**
 * Versions given weight anywhere (unscoped or in a cluster) that instances serve: the subjects
 * worth watching. Instances subscribe in a queue group (host-core and wasmCloud hosts do); our
 * watcher does not, so it never counts itself, and it never sits alone on a subject where
 * callers should get "no responders". A component's version V is watched on `{lattice}.{V}.wrpc.>`:
 * wRPC sends one message per call there (the rest goes over inboxes). The count belongs to the
 * route watched (a component ID alone does not say which entity it is a version of).
 */
function watchedOf(lattice: string, routes: Route[], subscriptions: Subscriber[]): ObservedEntity[] {
  const served = [...new Set(subscriptions.filter((s) => s.queue).map((s) => s.subject))]
  return routes.map((r) => {
    const versions = new Set([r.weights, ...Object.values(r.clusters ?? {})].flatMap((w) => Object.entries(w).filter(([, x]) => x > 0).map(([v]) => v)))
    const subjects = [...versions].filter((v) => served.some((subject) => servesVersion(lattice, r.entity, v, subject))).map((v) => [v, versionedSubject(lattice, r.entity, v)])
    return { key: entityKey(r.entity), entity: r.entity, subjects: Object.fromEntries(subjects) }
  })
}

/** Why traffic can flow and still not be seen: verify watches the versioned subjects the mapping sends calls to. */
const UNMAPPED_HINT = 'Calls made on a leaf node that does not hold the account JWT reach its own instances unmapped and are not seen here (`lattice status --servers` lists the leaves).'

/** Every version of `entity` that has weight (anywhere) and instances serving it, with the account's subscriptions. */
export async function servedEntity(session: Session, entity: EntityRef): Promise<{ watched: ObservedEntity[]; subscriptions: Subscriber[] }> {
  const { routes, subscriptions } = await liveRoutes(session, [entity])
  return { watched: watchedOf(session.lattice, routes, subscriptions), subscriptions }
}

/** An observation of real calls through the app connection (its MetricsCollector started). */
export async function startObservation(session: Session, mode: ObserveMode): Promise<{ observation: Observation; reports: MetricsCollector }> {
  const reports = new MetricsCollector(appOf(session), session.lattice)
  await reports.start()
  return { observation: new Observation(appOf(session), session.lattice, reports, mode), reports }
}

export interface VersionView {
  version: string
  /** Configured percent (unscoped weights). */
  weight: number
  /** Percent of the observed messages (absent when none were observed). */
  observed?: number
  /** Messages per second during the window. */
  rate: number
  /** The real calls its hosts reported during the window (absent when no host reports metrics for it). */
  metrics?: VersionSummary
}

export interface EntityView {
  entity: string
  /** Where the observed counts came from: the hosts' metrics reports, or a subscription to the versioned subjects. */
  observedBy?: ObservedBy
  /** Why by subscription (auto mode). */
  observedByReason?: string
  versions: VersionView[]
  /** Percent dropped by a fault (not observable passively). */
  drop?: number
}

function viewOf(route: Route, counts: Record<string, number>, seconds: number, reported: Map<string, VersionSummary>, source?: { by: ObservedBy; reason?: string }): EntityView {
  const shares = observedShares(counts)
  const versions = [...new Set([...Object.keys(route.weights), ...Object.keys(counts), ...reported.keys()])]
  return {
    entity: entityLabel(route.entity),
    ...(source ? { observedBy: source.by, ...(source.reason ? { observedByReason: source.reason } : {}) } : {}),
    versions: versions.map((v) => ({
      version: v,
      weight: route.weights[v] ?? 0,
      ...(shares[v] === undefined ? {} : { observed: shares[v] }),
      rate: (counts[v] ?? 0) / seconds,
      ...(reported.has(v) ? { metrics: reported.get(v) } : {}),
    })),
    ...(route.drop ? { drop: route.drop } : {}),
  }
}

export interface WatchFrame {
  time: string
  entities: EntityView[]
}

export interface WatchOptions {
  intervalMs: number
  /** Stop after this many frames (default: until stopped). */
  frames?: number
  /** True once the user wants out (SIGINT). */
  stopped: () => boolean
  /** Where counts come from (default auto: reports where they cover every instance). */
  observe?: ObserveMode
  /** Re-read the live routes every this many frames (default 5). */
  routesEvery?: number
}

/** Observe every interval and call `onFrame`, until stopped. Routes are re-read every few frames. */
export async function watch(session: Session, only: EntityRef[], opts: WatchOptions, onFrame: (f: WatchFrame) => void): Promise<void> {
  // Hosts that report metrics (host-core) add each version's real calls, errors and latency,
  // and are where the split is counted when their reports cover every instance.
  const { observation: observer, reports } = await startObservation(session, opts.observe ?? 'auto')
  try {
    let routes: Route[] = []
    // Frames follow each other: each starts where the last ended (the first, at the hosts' first reports).
    let from = reports.mark()
    for (let frame = 0; frame < (opts.frames ?? Number.POSITIVE_INFINITY) && !opts.stopped(); frame++) {
      if (frame % (opts.routesEvery ?? 5) === 0) {
        const live = await liveRoutes(session, only)
        routes = live.routes
        await observer.watch(watchedOf(session.lattice, routes, live.subscriptions), live.subscriptions)
        if (frame === 0) await observer.ratesReady()
      }
      const started = Date.now()
      await sleepUnless(opts.intervalMs, opts.stopped)
      const seconds = (Date.now() - started) / 1000
      const counts: Counts = observer.takeRates(seconds)
      const to = reports.snapshot()
      const start = from
      from = to
      const reported = (e: EntityRef) => new Map([...windowBetween(start, to, e)].map(([v, w]) => [v, summarize(w)]))
      onFrame({ time: new Date().toISOString(), entities: routes.map((r) => viewOf(r, counts[entityKey(r.entity)] ?? {}, seconds, reported(r.entity), observer.source(entityKey(r.entity)))) })
    }
  } finally {
    observer.stop()
    reports.stop()
  }
}

async function sleepUnless(ms: number, early: () => boolean): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end && !early()) await new Promise((r) => setTimeout(r, Math.min(100, end - Date.now())))
}

export interface VerifyResult {
  entity: string
  windowMs: number
  weights: Weights
  counts: Record<string, number>
  observed: Record<string, number>
  statistic: number
  degreesOfFreedom: number
  pValue: number
  alpha: number
  /**
   * chi-square: the split among two or more versions was tested. one-version: one version has
   * 100%, so there is no split; the check is that no call reached another running version
   * (counts has those too), and statistic, degreesOfFreedom and pValue are 0, 0 and 1 (or 0 on a mismatch).
   */
  method: 'chi-square' | 'one-version'
  /** Where the counts came from (reports: each host's report pairs apportioned to the window). */
  observedBy: ObservedBy
  /** Why by subscription (auto mode). */
  observedByReason?: string
  /** The observed split is consistent with the weights (p >= alpha; one-version: no call reached another version). */
  match: boolean
  warnings: string[]
}

/** Observe `entity` for `windowMs` and test the split against its live weights (chi-square). */
export async function verify(session: Session, entity: EntityRef, windowMs: number, alpha: number, mode: ObserveMode = 'auto'): Promise<VerifyResult> {
  const { routes: [route], subscriptions } = await liveRoutes(session, [entity])
  const label = entityLabel(entity)
  if (!route || Object.keys(route.weights).length === 0) {
    throw new LatticeError('NO_ROUTE', `${label} has no weighted mapping in lattice ${session.lattice}: there is no split to verify.`, { hint: 'See `lattice status`.' })
  }
  const warnings: string[] = []
  if (route.clusters) warnings.push('The entity has cluster-scoped weights; they are not part of this test (only the unscoped weights are).')
  if (route.drop) warnings.push(`${route.drop}% is dropped by a fault; dropped calls cannot be observed, so the test compares the versions among themselves.`)
  const versions = Object.keys(route.weights).filter((v) => route.weights[v] > 0)
  // With one version there is no split: watch the entity's other running versions instead, which should get nothing.
  const others = versions.length === 1 ? otherRunningVersions(session.lattice, entity, versions, subscriptions) : {}
  const { observation: observer, reports } = await startObservation(session, mode)
  let counts: Record<string, number>
  let source: { by: ObservedBy; reason?: string } | undefined
  try {
    const [watched] = watchedOf(session.lattice, [{ ...route, clusters: undefined }], subscriptions)
    await observer.watch([{ ...watched, subjects: { ...watched.subjects, ...others } }], subscriptions)
    source = observer.source(entityKey(entity))
    if (source?.by === 'reports') {
      const reported = await observer.reportWindow(entity, windowMs)
      counts = Object.fromEntries([...versions, ...Object.keys(others)].map((v) => [v, reported[v] ?? 0]))
    } else {
      observer.take()
      await new Promise((r) => setTimeout(r, windowMs))
      counts = observer.take()[entityKey(entity)] ?? {}
    }
  } finally {
    observer.stop()
    reports.stop()
  }
  const by = { observedBy: source?.by ?? 'subscription', ...(source?.reason ? { observedByReason: source.reason } : {}) } as const
  if (versions.length === 1) return { ...oneVersion(label, windowMs, route.weights, versions[0], Object.keys(others), counts, alpha, warnings), ...by }
  const observedCounts = versions.map((v) => counts[v] ?? 0)
  const total = observedCounts.reduce((a, b) => a + b, 0)
  if (total === 0) {
    throw new LatticeError('NO_TRAFFIC', `No calls to ${label} were observed in ${windowMs / 1000} s: nothing to compare.`, { hint: `Verify while the entity has traffic, or use a longer --window. ${UNMAPPED_HINT}` })
  }
  // The chi-square approximation needs every expected count to be 5 or more.
  const shares = versions.map((v) => route.weights[v])
  const smallest = Math.min(...shares.map((w) => (total * w) / shares.reduce((a, b) => a + b, 0)))
  if (smallest < 5) {
    const needed = Math.ceil((5 * shares.reduce((a, b) => a + b, 0)) / Math.min(...shares))
    throw new LatticeError('NO_TRAFFIC', `Only ${total} calls to ${label} were observed in ${windowMs / 1000} s; a reliable test needs about ${needed} (5 expected for the smallest share).`, { hint: 'Use a longer --window.' })
  }
  const test = chiSquareTest(observedCounts, shares)
  return {
    entity: label,
    windowMs,
    weights: route.weights,
    counts: Object.fromEntries(versions.map((v, i) => [v, observedCounts[i]])),
    observed: observedShares(Object.fromEntries(versions.map((v, i) => [v, observedCounts[i]]))),
    ...test,
    method: 'chi-square',
    ...by,
    alpha,
    match: test.pValue >= alpha,
    warnings,
  }
}

/** Versions of `entity` that instances serve (in the entity's queue group) besides `routed`: version -> versioned subject. */
export function otherRunningVersions(lattice: string, entity: EntityRef, routed: string[], subscriptions: Subscriber[]): Record<string, string> {
  const out: Record<string, string> = {}
  // A component's other running version is the component ID itself, when it is not the one routed to.
  if (entity.kind === 'component') {
    const self = entity.id
    if (!routed.includes(self) && subscriptions.some((s) => s.queue && servesVersion(lattice, entity, self, s.subject))) out[self] = versionedSubject(lattice, entity, self)
    return out
  }
  for (const sub of subscriptions) {
    const parsed = parseVersionedSubject(lattice, sub.subject)
    if (!parsed || sub.queue !== entityQueueGroup(entity) || entityKey(parsed.entity) !== entityKey(entity) || routed.includes(parsed.version)) continue
    out[parsed.version] = sub.subject
  }
  return out
}

/** One version at 100%: every observed call should have reached it, and none another running version. */
function oneVersion(label: string, windowMs: number, weights: Weights, version: string, others: string[], counts: Record<string, number>, alpha: number, warnings: string[]): Omit<VerifyResult, 'observedBy'> {
  const all = Object.fromEntries([version, ...others].map((v) => [v, counts[v] ?? 0]))
  const total = Object.values(all).reduce((a, b) => a + b, 0)
  if (total === 0) {
    throw new LatticeError('NO_TRAFFIC', `No calls to ${label} were observed in ${windowMs / 1000} s: nothing to check.`, { hint: `Verify while the entity has traffic, or use a longer --window. ${UNMAPPED_HINT}` })
  }
  const match = total === all[version]
  return { entity: label, windowMs, weights, counts: all, observed: observedShares(all), statistic: 0, degreesOfFreedom: 0, pValue: match ? 1 : 0, alpha, method: 'one-version', match, warnings }
}
