/**
 * Collects the hosts' metrics reports (host-core/metrics-report.ts) and gives each version's
 * real calls over a window: the difference between the reports at the end and at the start,
 * summed over hosts. Canary and stable come from the same reports, so they share the window.
 * Counters are cumulative, so a lost report loses nothing; a host whose counters restarted
 * (new startedAt) counts its new run from zero and keeps its old run's calls up to that run's
 * last report (what was heard of it), one that appeared during the window from its first report
 * (see mark()).
 */
import {
  DEFAULT_METRICS_INTERVAL_MS,
  LATENCY_BOUNDS_MS,
  type MetricsReport,
  metricsSubject,
  metricsWildcard,
} from '../host-core/metrics-report.js'
import { continues, intakeReport } from './report-intake.js'
import type { Connection } from '../resolver/connection.js'
import { type EntityRef, entityKey } from '../subjects/index.js'
import type { WindowMetrics } from './judge.js'
import { Arrivals, type CallCounter } from './call-counter.js'

/** Each host's report at the start of a window. */
export type Mark = ReadonlyMap<string, MetricsReport>

/** A host silent this long is forgotten (a long watch or dashboard would otherwise keep every host it ever heard). */
export const HOST_EXPIRY_MS = 60_000

/** Marks whose hosts have not all reported since: how many are kept up to date at most. */
const OPEN_MARKS = 4

/** Ended runs kept per host (each its last report): restarts within one window are few. */
const ENDED_RUNS = 4

/** Each host's ended runs, by their last report: what a window keeps of a host that restarted. */
export type EndedRuns = ReadonlyMap<string, readonly MetricsReport[]>

export const emptyWindow = (): WindowMetrics => ({
  calls: 0,
  errors: 0,
  latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0),
})

export class MetricsCollector {
  private latest = new Map<string, MetricsReport>()
  private ended = new Map<string, MetricsReport[]>()
  private sub?: { unsubscribe(): void }
  private arrivals = new Arrivals()
  /** When each host's latest report arrived (our clock): a host that stopped reporting goes stale. */
  private arrived = new Map<string, number>()
  private listeners: ((r: MetricsReport) => void)[] = []
  private forgetters: ((host: string) => void)[] = []
  /** Recent marks, each with the hosts whose first report since has replaced their entry. */
  private open: { mark: Map<string, MetricsReport>; settled: Set<string> }[] = []

  constructor(
    private readonly nc: Connection,
    private readonly lattice: string,
  ) {}

  async start(): Promise<void> {
    const decoder = new TextDecoder()
    const prefix = metricsSubject(this.lattice, '')
    let swept = Date.now()
    this.sub = this.nc.subscribe(metricsWildcard(this.lattice), {
      callback: (err, msg) => {
        if (err) return
        try {
          // The host is the one the subject names: a report in another host's name is not counted.
          const r = intakeReport(JSON.parse(decoder.decode(msg.data)), this.lattice, msg.subject.slice(prefix.length))
          if (!r) return
          if (Date.now() - swept > HOST_EXPIRY_MS / 4) swept = this.expire()
          const seen = this.latest.get(r.host)
          // Reports can overtake each other: keep the newest of a host's current run (and only one that continues it).
          if (seen && seen.startedAt === r.startedAt && (seen.seq >= r.seq || !continues(seen, r))) return
          // A late report of a run that has ended is not the host's latest.
          if (seen && r.startedAt < seen.startedAt) return
          if (seen && r.startedAt > seen.startedAt)
            this.ended.set(r.host, [...(this.ended.get(r.host) ?? []).slice(1 - ENDED_RUNS), seen])
          this.latest.set(r.host, r)
          this.arrived.set(r.host, Date.now())
          for (const l of this.listeners) l(r)
          for (const o of this.open) {
            if (o.settled.has(r.host)) continue
            o.settled.add(r.host)
            o.mark.set(r.host, r)
          }
          this.arrivals.wake()
        } catch {
          // not a report: ignored
        }
      },
    })
    await this.nc.flush()
  }

  /** Forget hosts silent for HOST_EXPIRY_MS; returns now. */
  private expire(now = Date.now()): number {
    for (const [host, at] of this.arrived) {
      if (now - at <= HOST_EXPIRY_MS) continue
      this.arrived.delete(host)
      this.latest.delete(host)
      this.ended.delete(host)
      for (const l of this.forgetters) l(host)
    }
    return now
  }

  /** Called with each host forgotten (observers drop what they keep of it). */
  onForget(fn: (host: string) => void): void {
    this.forgetters.push(fn)
  }

  stop(): void {
    this.sub?.unsubscribe()
    this.arrivals.wake()
  }

  /**
   * The start of a window. A report covers the calls up to when it was made (up to an interval
   * ago), so each host's entry is replaced by its first report after this call: calls from
   * before the mark (e.g. before a step's push) stay out, and a host whose report has not
   * reached us yet (we just subscribed) does not count everything since it started.
   */
  mark(): Mark {
    const mark = new Map(this.latest)
    this.open = [...this.open.slice(1 - OPEN_MARKS), { mark, settled: new Set() }]
    return mark
  }

  /** Each host's latest report, as it is now (the end of one window and the start of the next). */
  snapshot(): Mark {
    return new Map(this.latest)
  }

  /** Resolves at the next report from any host, or after `ms`. */
  nextReport(ms: number): Promise<void> {
    return this.arrivals.next(ms)
  }

  /** Call `fn` with every new report (in order per host; overtaken ones are dropped). */
  onReport(fn: (r: MetricsReport) => void): () => void {
    this.listeners.push(fn)
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn)
    }
  }

  /** The latest report of every host heard from within `intervals` of its intervals (and half a second). */
  fresh(intervals = 3, now = Date.now()): MetricsReport[] {
    return [...this.latest.values()].filter(
      (r) => now - (this.arrived.get(r.host) ?? 0) <= intervals * r.intervalMs + 500,
    )
  }

  /** Versions of the entity that some host reports on (ever, in this run). */
  reportingVersions(entity: EntityRef): Set<string> {
    const key = entityKey(entity)
    const out = new Set<string>()
    for (const r of this.latest.values()) for (const v of r.versions) if (entityKey(v) === key) out.add(v.version)
    return out
  }

  /** The calls of `entity`'s versions, as a rollout's analysis counts them. */
  counter(entity: EntityRef): CallCounter {
    let mark: Mark = new Map()
    return {
      intervalMs: DEFAULT_METRICS_INTERVAL_MS,
      versions: () => this.reportingVersions(entity),
      begin: () => {
        mark = this.mark()
      },
      window: () => windowBetween(mark, this.snapshot(), entity, this.ended),
      next: (ms) => this.nextReport(ms),
      stop: () => this.stop(),
    }
  }
}

/**
 * Per version of `entity`: the calls between two marks, summed over hosts. A host whose run
 * changed between them counts its new run from zero, plus, with `ended`, what its run at `from`
 * served after `from` up to that run's last report.
 */
export function windowBetween(from: Mark, to: Mark, entity: EntityRef, ended?: EndedRuns): Map<string, WindowMetrics> {
  const key = entityKey(entity)
  const out = new Map<string, WindowMetrics>()
  for (const [host, now] of to) {
    const then = from.get(host)
    const base = then && then.startedAt === now.startedAt ? then : undefined
    const lastOfRun = then && !base ? ended?.get(host)?.find((e) => e.startedAt === then.startedAt) : undefined
    if (then && lastOfRun && continues(then, lastOfRun)) addBetween(out, then, lastOfRun, key)
    addBetween(out, base, now, key)
  }
  return out
}

/** Add `now`'s calls of the entity's versions since `base` (the same run; none: since it started). */
function addBetween(
  out: Map<string, WindowMetrics>,
  base: MetricsReport | undefined,
  now: MetricsReport,
  key: string,
): void {
  for (const v of now.versions) {
    if (entityKey(v) !== key) continue
    const before = base?.versions.find((b) => b.version === v.version && entityKey(b) === key)
    const w = out.get(v.version) ?? emptyWindow()
    w.calls += v.calls - (before?.calls ?? 0)
    w.errors += v.errors - (before?.errors ?? 0)
    for (const [i, n] of v.latency) if (i >= 0 && i < w.latency.length) w.latency[i] += n
    for (const [i, n] of before?.latency ?? []) if (i >= 0 && i < w.latency.length) w.latency[i] -= n
    out.set(v.version, w)
  }
}

/** Every version's share of the calls in a window, in percent (empty when there were none). */
export function sharesOf(windows: Map<string, WindowMetrics>): Record<string, number> {
  const total = [...windows.values()].reduce((a, w) => a + w.calls, 0)
  return total === 0 ? {} : Object.fromEntries([...windows].map(([v, w]) => [v, (w.calls / total) * 100]))
}
