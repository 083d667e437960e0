/**
 * One observation of several entities, each from the best source it allows: the hosts' metrics
 * reports where they cover every instance (reportCoverage), a subscription to its versioned
 * subjects otherwise. `--observe reports|subscribe|auto` forces one or lets it choose.
 */
import type { MetricsCollector } from '../analysis/collector.js'
import { DEFAULT_METRICS_INTERVAL_MS, type MetricsReport } from '../host-core/metrics-report.js'
import type { Connection } from '../resolver/connection.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { type EntityRef, entityKey } from '../subjects/index.js'
import { type Counts, SplitObserver, type WatchedEntity } from './passive-subscription.js'
import { ReportObserver, reportCoverage } from './reports.js'

export type ObserveMode = 'auto' | 'reports' | 'subscribe'
export const OBSERVE_MODES: readonly ObserveMode[] = ['auto', 'reports', 'subscribe']

/** Where an entity's counts came from. */
/** Where calls were counted: the hosts' reports, a subscription, or a NATS service's own stats. */
export type ObservedBy = 'reports' | 'subscription' | 'stats'

export interface SourceChoice {
  by: ObservedBy
  /** Why subscription was used in auto mode. */
  reason?: string
}

export interface ObservedEntity extends WatchedEntity {
  entity: EntityRef
}

export class Observation {
  private readonly subscribed: SplitObserver
  private readonly reported: ReportObserver
  private choices = new Map<string, SourceChoice>()
  private versions = new Map<string, string[]>()
  private ready?: Promise<void>

  constructor(
    nc: Connection,
    private readonly lattice: string,
    private readonly collector: MetricsCollector,
    private readonly mode: ObserveMode = 'auto',
  ) {
    this.subscribed = new SplitObserver(nc)
    this.reported = new ReportObserver()
    collector.onReport((r) => this.reported.add(r))
    collector.onForget((host) => this.reported.forget(host))
  }

  /**
   * Choose each entity's source and subscribe where needed. The first call (unless subscribing is
   * forced) waits about one report interval, so every reporting host has been heard from.
   */
  async watch(entities: ObservedEntity[], subscriptions: Subscriber[]): Promise<void> {
    if (this.mode !== 'subscribe')
      await (this.ready ??= new Promise((r) => setTimeout(r, DEFAULT_METRICS_INTERVAL_MS * 1.25)))
    const fresh = this.collector.fresh()
    this.choices = new Map<string, SourceChoice>(
      entities.map((e): [string, SourceChoice] => {
        if (this.mode === 'subscribe') return [e.key, { by: 'subscription' }]
        // wasmCloud hosts send no reports: a component is always observed directly.
        if (e.entity.kind === 'component')
          return [e.key, { by: 'subscription', reason: 'wasmCloud components send no reports' }]
        if (this.mode === 'reports') return [e.key, { by: 'reports' }]
        const c = reportCoverage(this.lattice, e.entity, Object.keys(e.subjects), subscriptions, fresh)
        return [e.key, c.covered ? { by: 'reports' } : { by: 'subscription', reason: c.reason }]
      }),
    )
    this.versions = new Map(entities.map((e) => [e.key, Object.keys(e.subjects)]))
    await this.subscribed.watch(entities.filter((e) => this.choices.get(e.key)?.by === 'subscription'))
  }

  /**
   * Wait (at most about three report intervals) until every fresh host has a rate: a host's first
   * report is only a baseline, so a frame taken before its second would show its calls as none.
   * On a busy machine the hosts' timers run late, and one report interval is not enough.
   */
  async ratesReady(): Promise<void> {
    if (![...this.choices.values()].some((c) => c.by === 'reports')) return
    const until = Date.now() + 3 * DEFAULT_METRICS_INTERVAL_MS
    while (Date.now() < until && !this.collector.fresh().every((r) => this.reported.hasRate(r.host)))
      await new Promise((r) => setTimeout(r, 50))
  }

  /** Each entity's source, as last chosen. */
  source(key: string): SourceChoice | undefined {
    return this.choices.get(key)
  }

  /** Counts per entity since the previous take, each from its chosen source. */
  take(): Counts {
    const bySub = this.subscribed.take()
    const byReports = this.reported.take()
    const out: Counts = {}
    // From reports, only the versions watched count (as by subscription, which watches only those).
    for (const [key, c] of this.choices)
      out[key] =
        c.by === 'reports'
          ? Object.fromEntries((this.versions.get(key) ?? []).map((v) => [v, byReports[key]?.[v] ?? 0]))
          : (bySub[key] ?? {})
    return out
  }

  /**
   * As take(), but an entity observed from reports gets its current rate (each fresh host's last
   * interval) times `seconds`: a frame as long as the report interval may hold two reports of one
   * host and none of another, which raw counts would turn into a skewed split.
   */
  takeRates(seconds: number): Counts {
    const bySub = this.subscribed.take()
    this.reported.take()
    // A host that stopped reporting stops counting after two of its intervals (its last rate until then).
    const rates = this.reported.rate(this.collector.fresh(2).map((r) => r.host))
    const out: Counts = {}
    for (const [key, c] of this.choices)
      out[key] =
        c.by === 'reports'
          ? Object.fromEntries((this.versions.get(key) ?? []).map((v) => [v, (rates[key]?.[v] ?? 0) * seconds]))
          : (bySub[key] ?? {})
    return out
  }

  /**
   * `entity`'s calls per version from `start` (now) to `start + windowMs`, from reports, on one
   * clock for every host: each pair of a host's consecutive reports adds its calls in proportion
   * to how much of the pair's span lies in the window. Hosts report at their own moments; counting
   * each over its own whole intervals (as before) let hosts cover different seconds, and when the
   * traffic was unsteady (a loaded machine) the split came out skewed enough for chi-square to
   * call it a mismatch. A host that starts meanwhile counts from its start; one that stops counts
   * what it reported. Waits until every host has reported past the window's end (or about three
   * intervals more).
   */
  async reportWindow(entity: EntityRef, windowMs: number, start = Date.now()): Promise<Record<string, number>> {
    const key = entityKey(entity)
    const end = start + windowMs
    const concerns = (r: MetricsReport) => r.versions.some((v) => entityKey(v) === key)
    const byHost = new Map<string, MetricsReport[]>()
    for (const r of this.collector.fresh()) if (concerns(r)) byHost.set(r.host, [r])
    const past = () => byHost.size > 0 && [...byHost.values()].every((rs) => (rs.at(-1) as MetricsReport).time >= end)
    let wake = () => undefined as void
    const off = this.collector.onReport((r) => {
      const rs = byHost.get(r.host)
      if (rs) rs.push(r)
      else if (concerns(r)) byHost.set(r.host, [r])
      if (past()) wake()
    })
    const longest = Math.max(0, ...[...byHost.values()].map((rs) => rs[0].intervalMs))
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, end - Date.now()) + (byHost.size > 0 ? 3 * longest + 1000 : 0))
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    } finally {
      off()
    }
    // Versions are the hosts' words: a null-prototype table counts "__proto__" like any other.
    const out: Record<string, number> = Object.create(null)
    const add = (r: MetricsReport, base: MetricsReport | undefined, from: number) => {
      const span = r.time - from
      const share = span > 0 ? Math.max(0, Math.min(r.time, end) - Math.max(from, start)) / span : 0
      if (share <= 0) return
      for (const v of r.versions) {
        if (entityKey(v) !== key) continue
        const before = base?.versions.find((b) => entityKey(b) === key && b.version === v.version)?.calls ?? 0
        out[v.version] = (out[v.version] ?? 0) + Math.max(0, v.calls - before) * share
      }
    }
    for (const rs of byHost.values()) {
      rs.forEach((r, i) => {
        const prev = rs[i - 1]
        if (prev && prev.startedAt === r.startedAt) add(r, prev, prev.time)
        // A new run (a host started, or restarted): its calls since its start. The first report
        // of a host running since before the window is only a baseline.
        else if (prev || r.startedAt >= start) add(r, undefined, r.startedAt)
      })
    }
    return Object.fromEntries(Object.entries(out).map(([v, n]) => [v, Math.round(n)]))
  }

  stop(): void {
    this.subscribed.stop()
  }
}

/** How the source reads in text: "observed from host reports" / "observed by subscription (why)". */
export function describeSource(c: SourceChoice | undefined): string {
  if (!c) return ''
  if (c.by === 'stats') return "observed from the service's own stats ($SRV.STATS)"
  return c.by === 'reports'
    ? 'observed from host reports'
    : `observed by subscription${c.reason ? ` (${c.reason})` : ''}`
}
