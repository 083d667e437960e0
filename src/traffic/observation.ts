/**
 * One observation of several entities, each from the best source it allows: the hosts' metrics
 * reports where they cover every instance (reportCoverage), a subscription to its versioned
 * subjects otherwise. `--observe reports|subscribe|auto` forces one or lets it choose.
 */
import { type MetricsCollector, windowBetween } from '../analysis/collector.js'
import { DEFAULT_METRICS_INTERVAL_MS, type MetricsReport } from '../host-core/metrics-report.js'
import type { Connection } from '../resolver/connection.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { type EntityRef, entityKey } from '../subjects/index.js'
import { type Counts, SplitObserver, type WatchedEntity } from './observe.js'
import { ReportObserver, reportCoverage } from './reports.js'

export type ObserveMode = 'auto' | 'reports' | 'subscribe'
export const OBSERVE_MODES: readonly ObserveMode[] = ['auto', 'reports', 'subscribe']

/** Where an entity's counts came from. */
export type ObservedBy = 'reports' | 'subscription'

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
  }

  /**
   * Choose each entity's source and subscribe where needed. The first call (unless subscribing is
   * forced) waits about one report interval, so every reporting host has been heard from.
   */
  async watch(entities: ObservedEntity[], subscriptions: Subscriber[]): Promise<void> {
    if (this.mode !== 'subscribe') await (this.ready ??= new Promise((r) => setTimeout(r, DEFAULT_METRICS_INTERVAL_MS * 1.25)))
    const fresh = this.collector.fresh()
    this.choices = new Map<string, SourceChoice>(
      entities.map((e): [string, SourceChoice] => {
        if (this.mode === 'subscribe') return [e.key, { by: 'subscription' }]
        // wasmCloud hosts send no reports: a component is always observed directly.
        if (e.entity.kind === 'component') return [e.key, { by: 'subscription', reason: 'wasmCloud components send no reports' }]
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
    while (Date.now() < until && !this.collector.fresh().every((r) => this.reported.hasRate(r.host))) await new Promise((r) => setTimeout(r, 50))
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
    for (const [key, c] of this.choices) out[key] = c.by === 'reports' ? Object.fromEntries((this.versions.get(key) ?? []).map((v) => [v, byReports[key]?.[v] ?? 0])) : (bySub[key] ?? {})
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
    for (const [key, c] of this.choices) out[key] = c.by === 'reports' ? Object.fromEntries((this.versions.get(key) ?? []).map((v) => [v, (rates[key]?.[v] ?? 0) * seconds])) : (bySub[key] ?? {})
    return out
  }

  /**
   * `entity`'s calls per version over about `windowMs`, from reports: each host that reports now
   * counts over the same number of its own intervals (round(windowMs / intervalMs), at least one),
   * from its latest report to the one that many later, so hosts reporting at different moments
   * weigh alike (and each host's count is scaled to `windowMs` by its reports' own times); the
   * window is quantised to the report interval. A host that starts meanwhile
   * counts every call it reports by the end; one that stops counts what it reported.
   */
  async reportWindow(entity: EntityRef, windowMs: number): Promise<Record<string, number>> {
    const started = Date.now()
    // Only the hosts that report the entity are waited for.
    const key = entityKey(entity)
    const from = new Map(this.collector.fresh().filter((r) => r.versions.some((v) => entityKey(v) === key)).map((r) => [r.host, r]))
    const to = new Map<string, MetricsReport>()
    const need = (r: MetricsReport) => Math.max(1, Math.round(windowMs / r.intervalMs))
    let wake = () => undefined as void
    const off = this.collector.onReport((r) => {
      const b = from.get(r.host)
      if (!b || to.has(r.host)) return
      if (r.startedAt !== b.startedAt || r.seq >= b.seq + need(b)) to.set(r.host, r)
      if (to.size === from.size) wake()
    })
    const longest = Math.max(...[...from.values()].map((r) => r.intervalMs))
    try {
      if (from.size > 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, windowMs + 3 * longest + 1000)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      else await new Promise((r) => setTimeout(r, windowMs))
    } finally {
      off()
    }
    // Hosts that stopped before their last interval: what they reported last (not scaled up); new hosts: everything.
    const completed = new Set(to.keys())
    for (const r of this.collector.snapshot().values()) if (!to.has(r.host) && (from.has(r.host) || (r.startedAt >= started && r.versions.some((v) => entityKey(v) === key)))) to.set(r.host, r)
    // Each host's calls scaled to windowMs by its own reports' times: a host whose timer ran late
    // under load (K intervals took longer) does not weigh more than one on time.
    const out: Record<string, number> = {}
    for (const [host, end] of to) {
      const base = from.get(host)
      const span = completed.has(host) && base && base.startedAt === end.startedAt ? end.time - base.time : 0
      const scale = span > 0 ? windowMs / span : 1
      for (const [v, w] of windowBetween(base ? new Map([[host, base]]) : new Map(), new Map([[host, end]]), entity)) out[v] = (out[v] ?? 0) + w.calls * scale
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
  return c.by === 'reports' ? 'observed from host reports' : `observed by subscription${c.reason ? ` (${c.reason})` : ''}`
}
