/**
 * `lattice watch`: the split of real traffic, observed passively (nothing is sent), next to the
 * live weights, frame after frame, with each version's calls, errors and latency where hosts report them.
 */
import { windowBetween } from '../analysis/collector.js'
import { summarize } from '../analysis/judge.js'
import type { VersionSummary } from '../analysis/record.js'
import type { Route } from '../plan/routes.js'
import { type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import { type Counts, observedShares } from '../traffic/passive-subscription.js'
import type { ObserveMode, ObservedBy } from '../traffic/observation.js'
import { liveRoutes, startObservation, watchedOf } from './observed-split.js'
import type { Session } from './session.js'

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

function viewOf(
  route: Route,
  counts: Record<string, number>,
  seconds: number,
  reported: Map<string, VersionSummary>,
  source?: { by: ObservedBy; reason?: string },
): EntityView {
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
export async function watch(
  session: Session,
  only: EntityRef[],
  opts: WatchOptions,
  onFrame: (f: WatchFrame) => void,
): Promise<void> {
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
      onFrame({
        time: new Date().toISOString(),
        entities: routes.map((r) =>
          viewOf(
            r,
            counts[entityKey(r.entity)] ?? {},
            seconds,
            reported(r.entity),
            observer.source(entityKey(r.entity)),
          ),
        ),
      })
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
