/**
 * The metrics report a host publishes about the real calls each version served: the wire format
 * shared by host-core (which publishes it) and the CLI (whose rollouts judge from it). Kept
 * free of everything else so that both, and hosts in other languages, can follow it.
 *
 *   subject   wasmbus.metrics.{lattice}.{hostId}      (JSON, UTF-8, one report per interval)
 *
 * Counters are cumulative since `startedAt` (like Prometheus counters): a reader takes the
 * difference between two reports of the same host and `startedAt`; a lost report loses nothing.
 */

/** Version of the report format (field `v`). */
export const METRICS_REPORT_VERSION = 1

/** How often a host publishes its report unless told otherwise. */
export const DEFAULT_METRICS_INTERVAL_MS = 1000

/** A call carrying this header (any value) is a synthetic probe: it is answered but not counted. */
export const PROBE_HEADER = 'Lattice-Probe'

export const metricsSubject = (lattice: string, hostId: string) => `wasmbus.metrics.${lattice}.${hostId}`
/** Every host's reports in one lattice. */
export const metricsWildcard = (lattice: string) => `wasmbus.metrics.${lattice}.*`

/**
 * Upper bounds (inclusive, in milliseconds) of the latency buckets: 10 µs doubling every four
 * buckets (each about 19% wider than the one before) up to about 168 s. Bucket i holds the calls
 * that took more than LATENCY_BOUNDS_MS[i - 1] and at most LATENCY_BOUNDS_MS[i]; the bucket at
 * index LATENCY_BOUNDS_MS.length holds the longer ones. Fine enough for p50/p95/p99 within 10%
 * and for a rank test (calls in one bucket count as ties).
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze(
  Array.from({ length: 97 }, (_, i) => 0.01 * 2 ** (i / 4)),
)

/** The bucket a call of `ms` milliseconds falls in. */
export function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_BOUNDS_MS[0])) return 0
  let i = Math.ceil(4 * Math.log2(ms / 0.01))
  // Floating point at the edges: settle on the first bound >= ms.
  if (i > 0 && LATENCY_BOUNDS_MS[i - 1] >= ms) i--
  else if (i < LATENCY_BOUNDS_MS.length && LATENCY_BOUNDS_MS[i] < ms) i++
  return Math.min(i, LATENCY_BOUNDS_MS.length)
}

/** One version of one entity on one host, cumulative since the report's `startedAt`. */
export interface VersionMetrics {
  kind: 'actor' | 'provider'
  id: string
  /** Providers only. */
  link?: string
  version: string
  /**
   * Instances of this version running on the host when the report was made, each with one
   * queue subscription on the versioned subject (optional: without it, readers cannot tell that
   * the reports cover every instance, and `lattice watch` observes the entity by subscription).
   */
  instances?: number
  /** Calls a handler finished (answered, failed, or one-way), probes excluded. */
  calls: number
  /** Of those, the calls whose handler failed (answered with a Nats-Service-Error header). */
  errors: number
  /**
   * Sum of the same calls' durations in milliseconds (optional: readers must do without it; host-core
   * always sends it). With `calls` it gives the mean, and Prometheus' `_sum`.
   */
  sumMs?: number
  /** Sparse latency histogram of the same calls: [bucket index, calls], by index; counts sum to `calls`. */
  latency: [number, number][]
}

export interface MetricsReport {
  v: typeof METRICS_REPORT_VERSION
  lattice: string
  host: string
  /** When the counters started (ms since the epoch): a new value means they restarted from zero. */
  startedAt: number
  /** Report number since startedAt, from 1. */
  seq: number
  /** When the report was made (ms since the epoch, the host's clock). */
  time: number
  intervalMs: number
  versions: VersionMetrics[]
}
