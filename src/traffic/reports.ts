/**
 * Observing the split from the hosts' metrics reports (host-core/metrics-report.ts) instead of
 * subscribing to every versioned subject: the servers deliver nothing twice, and lattice reads
 * one small report per host and interval, whatever the traffic.
 */
import type { MetricsReport } from '../host-core/metrics-report.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { type EntityRef, entityKey, entityQueueGroup, versionedSubject } from '../subjects/index.js'
import type { Counts } from './passive-subscription.js'

/**
 * Calls per version from reports, since the last take(). Counters are cumulative, so each new
 * report adds its difference from the same host's previous one: a lost report loses nothing, a
 * host that stops reporting adds nothing more, and a restarted host (new startedAt) counts from
 * zero. A host first heard of is a baseline (its calls before we watched are not counted) unless
 * it started after `since` (then every call it reports is new). Reports are per interval, so the
 * calls land in the take() after the report that carries them: windows are quantised to the
 * hosts' report interval (1 s by default).
 */
export class ReportObserver {
  private counts: Counts = Object.create(null)
  /** host -> its last report's calls by `${entityKey}\n${version}`, its startedAt and time. */
  private seen = new Map<string, { startedAt: number; time: number; calls: Map<string, number> }>()
  /** host -> calls per second of each entity's versions between its last two reports. */
  private rates = new Map<string, Counts>()

  constructor(private readonly since = Date.now()) {}

  /** Drop what is kept of a host that stopped reporting. */
  forget(host: string): void {
    this.seen.delete(host)
    this.rates.delete(host)
  }

  add(r: MetricsReport): void {
    const prev = this.seen.get(r.host)
    const calls = new Map<string, number>()
    for (const v of r.versions) calls.set(`${entityKey(v)}\n${v.version}`, v.calls)
    this.seen.set(r.host, { startedAt: r.startedAt, time: r.time, calls })
    if (!prev && r.startedAt < this.since) return
    const base = prev?.startedAt === r.startedAt ? prev : undefined
    const span = (r.time - (base?.time ?? r.startedAt)) / 1000
    // Null-prototype tables: a version named "__proto__" or "constructor" is counted like any other.
    const rates: Counts = Object.create(null)
    for (const v of r.versions) {
      const key = entityKey(v)
      const n = v.calls - (base?.calls.get(`${key}\n${v.version}`) ?? 0)
      if (span > 0) (rates[key] ??= Object.create(null))[v.version] = Math.max(0, n) / span
      if (n <= 0) continue
      const bucket = (this.counts[key] ??= Object.create(null))
      bucket[v.version] = (bucket[v.version] ?? 0) + n
    }
    this.rates.set(r.host, rates)
  }

  /**
   * Calls per second per version, summed over `hosts`, each host's from its last two reports.
   * Shares from these are not skewed by hosts reporting at different moments (a frame of one
   * interval can hold two reports of one host and none of another).
   */
  rate(hosts: Iterable<string>): Counts {
    const out: Counts = Object.create(null)
    for (const host of hosts) {
      for (const [key, versions] of Object.entries(this.rates.get(host) ?? {})) {
        const bucket = (out[key] ??= Object.create(null))
        for (const [v, n] of Object.entries(versions)) bucket[v] = (bucket[v] ?? 0) + n
      }
    }
    return out
  }

  /** Has `host` been heard twice (or started after we began), so that rate() has its figures? */
  hasRate(host: string): boolean {
    return this.rates.has(host)
  }

  /** The calls reported since the previous take, and start counting afresh. */
  take(): Counts {
    const out = this.counts
    this.counts = Object.create(null)
    return out
  }
}

export interface Coverage {
  covered: boolean
  /** Why not (e.g. "1 of 3 instances of v2 are on hosts that do not report"). */
  reason?: string
}

/**
 * Do the reports cover every instance serving these versions? Every instance holds one queue
 * subscription on its version's versioned subject (SUBSZ lists them cluster-wide, one per
 * subscriber), and each reporting host says how many instances of each version it runs
 * (`instances`). When, for every version, the subscribers number exactly the instances the fresh
 * reports account for, every subscriber belongs to a reporting host. Anything else (a host with
 * metrics off, the C host, a report without `instances`, a host scaling between the two reads)
 * means some calls would be missed, so the entity is observed by subscription. wasmCloud
 * components never report.
 */
export function reportCoverage(
  lattice: string,
  entity: EntityRef,
  versions: string[],
  subscriptions: Subscriber[],
  reports: MetricsReport[],
): Coverage {
  if (entity.kind === 'component') return { covered: false, reason: 'wasmCloud components send no reports' }
  if (versions.length === 0) return { covered: false, reason: 'no version to observe' }
  const key = entityKey(entity)
  const queue = entityQueueGroup(entity)
  for (const version of versions) {
    const subject = versionedSubject(lattice, entity, version)
    const subscribers = subscriptions.filter((s) => s.queue === queue && s.subject === subject).length
    let reported = 0
    for (const r of reports) {
      for (const v of r.versions) {
        if (v.version !== version || entityKey(v) !== key) continue
        if (typeof v.instances !== 'number')
          return { covered: false, reason: `host ${r.host} reports no instance count` }
        reported += v.instances
      }
    }
    if (subscribers !== reported) {
      const missing = Math.max(0, subscribers - reported)
      return {
        covered: false,
        reason:
          missing > 0
            ? `${missing} of ${subscribers} instances of ${version} are on hosts that do not report`
            : `the reports and the subscriptions of ${version} disagree (${reported} and ${subscribers})`,
      }
    }
  }
  return { covered: true }
}
