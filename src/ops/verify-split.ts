/**
 * `lattice verify`: the split of real traffic, observed passively (nothing is sent) for a window,
 * tested against the live weights (chi-square), or, with one version at 100%, checked for calls
 * that reached another running version.
 */
import { LatticeError } from '../errors.js'
import { type Weights, sameWeights } from '../plan/weights.js'
import { chiSquareTest } from '../stats/chi-square.js'
import { type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import { observedShares } from '../traffic/passive-subscription.js'
import type { ObserveMode, ObservedBy } from '../traffic/observation.js'
import { appOf, liveRoutes, otherRunningVersions, startObservation, watchedOf } from './observed-split.js'
import type { Route } from '../plan/routes.js'
import { ServiceStatsCounter } from '../services/stats-counter.js'
import type { Session } from './session.js'

/** Why traffic can flow and still not be seen: verify watches the versioned subjects the mapping sends calls to. */
const UNMAPPED_HINT =
  'Calls made on a leaf node that does not hold the account JWT reach its own instances unmapped and are not seen here (`lattice status --servers` lists the leaves).'

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
export async function verify(
  session: Session,
  entity: EntityRef,
  windowMs: number,
  alpha: number,
  mode: ObserveMode = 'auto',
): Promise<VerifyResult> {
  const {
    routes: [route, ...more],
    subscriptions,
  } = await liveRoutes(session, [entity])
  const label = entityLabel(entity)
  if (more.some((r) => !sameWeights(r.weights, route.weights)))
    throw new LatticeError(
      'SPLIT_MISMATCH',
      `The endpoints of ${label} are routed differently: there is no one split to verify.`,
      {
        hint: 'See `lattice status`; `lattice shift service` moves every endpoint together.',
      },
    )
  if (!route || Object.keys(route.weights).length === 0) {
    throw new LatticeError(
      'NO_ROUTE',
      `${label} has no weighted mapping in lattice ${session.lattice}: there is no split to verify.`,
      { hint: 'See `lattice status`.' },
    )
  }
  const warnings: string[] = []
  if (route.clusters)
    warnings.push(
      'The entity has cluster-scoped weights; they are not part of this test (only the unscoped weights are).',
    )
  if (route.drop)
    warnings.push(
      `${route.drop}% is dropped by a fault; dropped calls cannot be observed, so the test compares the versions among themselves.`,
    )
  const versions = Object.keys(route.weights).filter((v) => route.weights[v] > 0)
  if (entity.kind === 'service') {
    const counts = await serviceCalls(session, entity, [route, ...more], windowMs)
    const others = Object.keys(counts).filter((v) => !versions.includes(v))
    const source = { by: 'stats' as const }
    return judgeSplit({ label, windowMs, weights: route.weights, versions, others, counts, source, alpha, warnings })
  }
  let counts: Record<string, number>
  let source: { by: ObservedBy; reason?: string } | undefined
  // With one version there is no split: watch the entity's other running versions instead, which should get nothing.
  const others = versions.length === 1 ? otherRunningVersions(session.lattice, entity, versions, subscriptions) : {}
  const { observation: observer, reports } = await startObservation(session, mode)
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
  const watched = Object.keys(others)
  return judgeSplit({
    label,
    windowMs,
    weights: route.weights,
    versions,
    others: watched,
    counts,
    source,
    alpha,
    warnings,
  })
}

/** A service's calls per version over the window, from its instances' own stats (nothing is sent). */
async function serviceCalls(
  session: Session,
  entity: EntityRef,
  routes: Route[],
  windowMs: number,
): Promise<Record<string, number>> {
  const endpoints = new Set(routes.flatMap((r) => (r.entity.endpoint === undefined ? [] : [r.entity.endpoint])))
  const counter = new ServiceStatsCounter(appOf(session), entity.id, endpoints)
  await counter.start()
  try {
    counter.begin()
    await counter.next(2 * counter.intervalMs) // the window starts at the instances' next answers
    await new Promise((r) => setTimeout(r, windowMs))
    await counter.next(2 * counter.intervalMs)
    return Object.fromEntries([...counter.window()].map(([v, w]) => [v, w.calls]))
  } finally {
    counter.stop()
  }
}

/** The observed counts against the weights: chi-square, or with one version, no call to the `others`. */
function judgeSplit(o: {
  label: string
  windowMs: number
  weights: Weights
  versions: string[]
  others: string[]
  counts: Record<string, number>
  source: { by: ObservedBy; reason?: string } | undefined
  alpha: number
  warnings: string[]
}): VerifyResult {
  const { label, windowMs, weights, versions, others, counts, source, alpha, warnings } = o
  const by = {
    observedBy: source?.by ?? 'subscription',
    ...(source?.reason ? { observedByReason: source.reason } : {}),
  } as const
  if (versions.length === 1)
    return {
      ...oneVersion(label, windowMs, weights, versions[0], others, counts, alpha, warnings),
      ...by,
    }
  const observedCounts = versions.map((v) => counts[v] ?? 0)
  const total = observedCounts.reduce((a, b) => a + b, 0)
  if (total === 0) {
    throw new LatticeError(
      'NO_TRAFFIC',
      `No calls to ${label} were observed in ${windowMs / 1000} s: nothing to compare.`,
      { hint: `Verify while the entity has traffic, or use a longer --window. ${UNMAPPED_HINT}` },
    )
  }
  // The chi-square approximation needs every expected count to be 5 or more.
  const shares = versions.map((v) => weights[v])
  const smallest = Math.min(...shares.map((w) => (total * w) / shares.reduce((a, b) => a + b, 0)))
  if (smallest < 5) {
    const needed = Math.ceil((5 * shares.reduce((a, b) => a + b, 0)) / Math.min(...shares))
    throw new LatticeError(
      'NO_TRAFFIC',
      `Only ${total} calls to ${label} were observed in ${windowMs / 1000} s; a reliable test needs about ${needed} (5 expected for the smallest share).`,
      { hint: 'Use a longer --window.' },
    )
  }
  const test = chiSquareTest(observedCounts, shares)
  return {
    entity: label,
    windowMs,
    weights,
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

/** One version at 100%: every observed call should have reached it, and none another running version. */
function oneVersion(
  label: string,
  windowMs: number,
  weights: Weights,
  version: string,
  others: string[],
  counts: Record<string, number>,
  alpha: number,
  warnings: string[],
): Omit<VerifyResult, 'observedBy'> {
  const all = Object.fromEntries([version, ...others].map((v) => [v, counts[v] ?? 0]))
  const total = Object.values(all).reduce((a, b) => a + b, 0)
  if (total === 0) {
    throw new LatticeError(
      'NO_TRAFFIC',
      `No calls to ${label} were observed in ${windowMs / 1000} s: nothing to check.`,
      { hint: `Verify while the entity has traffic, or use a longer --window. ${UNMAPPED_HINT}` },
    )
  }
  const match = total === all[version]
  return {
    entity: label,
    windowMs,
    weights,
    counts: all,
    observed: observedShares(all),
    statistic: 0,
    degreesOfFreedom: 0,
    pValue: match ? 1 : 0,
    alpha,
    method: 'one-version',
    match,
    warnings,
  }
}
