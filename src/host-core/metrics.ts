/**
 * Per-version figures of the real calls a host served (calls, errors, latency histogram), and
 * the report built from them (wire format: metrics-report.ts). Counting is a few additions per
 * call on a counter object each version holds from its start: no lookup, no allocation.
 */
import type { EntityRef } from '../subjects/index.js'
import { HostError } from './host-error.js'
import {
  LATENCY_BOUNDS_MS,
  METRICS_REPORT_VERSION,
  type MetricsReport,
  type VersionMetrics,
  latencyBucket,
} from './metrics-report.js'

/** Host.start({ metrics }); see docs/host-core.md#metrics. */
export interface MetricsOptions {
  /** How often the report is published (default DEFAULT_METRICS_INTERVAL_MS, at least 10 ms). */
  intervalMs?: number
  /** Serve the Prometheus text format on GET /metrics at this port (0: any free port; see host.metricsUrl). */
  prometheusPort?: number
  /** The address it listens on (default 127.0.0.1). */
  prometheusHost?: string
}

/** Bad options fail Host.start before it connects. */
export function checkMetricsOptions(m: MetricsOptions | false | undefined): void {
  if (m === undefined || m === false) return
  const bad = (what: string) => {
    throw new HostError('INVALID_REQUEST', `Invalid metrics option: ${what}.`)
  }
  if (typeof m !== 'object' || m === null)
    bad('give an object ({ intervalMs?, prometheusPort?, prometheusHost? }) or false')
  if (m.intervalMs !== undefined && !(Number.isFinite(m.intervalMs) && m.intervalMs >= 10))
    bad(`intervalMs must be a number of milliseconds >= 10, not ${m.intervalMs}`)
  if (
    m.prometheusPort !== undefined &&
    !(Number.isInteger(m.prometheusPort) && m.prometheusPort >= 0 && m.prometheusPort <= 65535)
  )
    bad(`prometheusPort must be a port number 0-65535 (0: any free port), not ${m.prometheusPort}`)
  if (m.prometheusHost !== undefined && (typeof m.prometheusHost !== 'string' || m.prometheusHost === ''))
    bad('prometheusHost must be a host name or address')
}

/** The counters of one version of one entity, cumulative since the host started. */
export class VersionCounters {
  calls = 0
  errors = 0
  /** Sum of the durations, for a mean and Prometheus' `_sum`. */
  sumMs = 0
  /** Instances running now (set by the version's runtime): readers check that the reports cover every subscriber. */
  instances = 0
  /** Dense: calls per bucket, index as in latencyBucket(); the last holds the calls past every bound. */
  readonly buckets = new Float64Array(LATENCY_BOUNDS_MS.length + 1)

  constructor(
    readonly entity: Readonly<EntityRef>,
    readonly version: string,
  ) {}

  record(ms: number, failed: boolean): void {
    this.calls++
    if (failed) this.errors++
    this.sumMs += ms
    this.buckets[latencyBucket(ms)]++
  }

  snapshot(): VersionMetrics {
    const latency: [number, number][] = []
    for (let i = 0; i < this.buckets.length; i++) if (this.buckets[i] > 0) latency.push([i, this.buckets[i]])
    const e = this.entity
    return {
      kind: e.kind === 'provider' ? 'provider' : 'actor', // host-core never runs a component
      id: e.id,
      ...(e.kind === 'provider' ? { link: e.link } : {}),
      version: this.version,
      instances: this.instances,
      calls: this.calls,
      errors: this.errors,
      // Rounded to a microsecond: enough for a mean, and short on the wire.
      sumMs: Math.round(this.sumMs * 1000) / 1000,
      latency,
    }
  }
}

/**
 * Every version that ran on a host since it started, in the order they first started. A version
 * that stops stays listed with its final counters (and continues from them if it starts again):
 * counters are cumulative, so a reader's differences never see one go backwards or vanish.
 */
export class MetricsRegistry {
  private readonly byKey = new Map<string, VersionCounters>()
  private seq = 0

  constructor(
    readonly lattice: string,
    readonly hostId: string,
    readonly startedAt: number,
    readonly intervalMs: number,
  ) {}

  /** The counters a version records into (made on its first start). */
  counters(key: string, entity: EntityRef, version: string): VersionCounters {
    let c = this.byKey.get(key)
    if (!c) {
      c = new VersionCounters(Object.freeze({ ...entity }), version)
      this.byKey.set(key, c)
    }
    return c
  }

  /** The next report to publish (numbered from 1). */
  next(now = Date.now()): MetricsReport {
    this.seq++
    return this.report(now)
  }

  /** The counters now; `seq` is the last published report's (0 before the first). */
  report(now = Date.now()): MetricsReport {
    return {
      v: METRICS_REPORT_VERSION,
      lattice: this.lattice,
      host: this.hostId,
      startedAt: this.startedAt,
      seq: this.seq,
      time: now,
      intervalMs: this.intervalMs,
      versions: [...this.byKey.values()].map((c) => c.snapshot()),
    }
  }
}
