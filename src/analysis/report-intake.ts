/**
 * What a metrics report must be before lattice counts it. Reports come from any user who may
 * publish in the account, so: the host is the one the subject names (a report in another host's
 * name is dropped), every field has its type and a sane size, and nothing in it can reach an
 * object's prototype (versions such as `__proto__` or `constructor` are counted like any other).
 */
import {
  LATENCY_BOUNDS_MS,
  METRICS_REPORT_VERSION,
  type MetricsReport,
  type VersionMetrics,
} from '../host-core/metrics-report.js'
import { MAX_VERSION_BYTES, entityKey } from '../subjects/index.js'

/** Versions one report may list: far more than a host runs, few enough to read in a moment. */
export const MAX_REPORT_VERSIONS = 1000

const amount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0
/** Calls are whole: a fraction, or a number past 2^53, would make every sum over it wrong. */
const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0
const text = (s: unknown, max: number): s is string =>
  typeof s === 'string' && s.length > 0 && Buffer.byteLength(s) <= max

function version(v: unknown): VersionMetrics | undefined {
  const x = v as VersionMetrics
  if (typeof x !== 'object' || x === null) return undefined
  if (
    (x.kind !== 'actor' && x.kind !== 'provider') ||
    !text(x.id, 128) ||
    !text(x.version, MAX_VERSION_BYTES) ||
    (x.link !== undefined && !text(x.link, 128))
  )
    return undefined
  if (
    !count(x.calls) ||
    !count(x.errors) ||
    x.errors > x.calls ||
    (x.instances !== undefined && !count(x.instances)) ||
    (x.sumMs !== undefined && !amount(x.sumMs))
  )
    return undefined
  if (
    !Array.isArray(x.latency) ||
    x.latency.length > LATENCY_BOUNDS_MS.length + 1 ||
    // By bucket, each once (a bucket twice would be counted twice), within the buckets.
    !x.latency.every(
      (p, k) =>
        Array.isArray(p) &&
        p.length === 2 &&
        Number.isInteger(p[0]) &&
        p[0] > (k === 0 ? -1 : x.latency[k - 1][0]) &&
        p[0] <= LATENCY_BOUNDS_MS.length &&
        count(p[1]),
    )
  )
    return undefined
  return {
    kind: x.kind,
    id: x.id,
    ...(x.link !== undefined ? { link: x.link } : {}),
    version: x.version,
    ...(x.instances !== undefined ? { instances: x.instances } : {}),
    calls: x.calls,
    errors: x.errors,
    ...(x.sumMs !== undefined ? { sumMs: x.sumMs } : {}),
    latency: x.latency,
  }
}

/** The report of the host `subjectHost` names, checked; undefined when it is not one lattice counts. */
export function intakeReport(body: unknown, lattice: string, subjectHost: string): MetricsReport | undefined {
  const r = body as MetricsReport
  if (
    typeof r !== 'object' ||
    r === null ||
    r.v !== METRICS_REPORT_VERSION ||
    r.lattice !== lattice ||
    r.host !== subjectHost
  )
    return undefined
  if (!amount(r.startedAt) || !amount(r.seq) || !amount(r.time) || !amount(r.intervalMs) || r.intervalMs === 0)
    return undefined
  if (!Array.isArray(r.versions) || r.versions.length > MAX_REPORT_VERSIONS) return undefined
  const versions = r.versions.map(version)
  if (versions.some((v) => v === undefined)) return undefined
  // One entry per version: a second would be counted twice.
  if (new Set(versions.map((v) => countersKey(v!))).size < versions.length) return undefined
  return {
    v: r.v,
    lattice,
    host: subjectHost,
    startedAt: r.startedAt,
    seq: r.seq,
    time: r.time,
    intervalMs: r.intervalMs,
    versions: versions as VersionMetrics[],
  }
}

const countersKey = (v: VersionMetrics) => JSON.stringify([entityKey(v), v.version])

/**
 * Does `after` continue `before` (the same host and run)? Cumulative counters never go down and
 * a version once listed stays listed, and no more calls failed than were made since: a report
 * that breaks this is not the host's next one, and would make a window's counts negative.
 */
export function continues(before: MetricsReport, after: MetricsReport): boolean {
  const now = new Map(after.versions.map((v) => [countersKey(v), v]))
  return before.versions.every((b) => {
    const a = now.get(countersKey(b))
    if (!a || a.calls < b.calls || a.errors < b.errors || a.errors - b.errors > a.calls - b.calls) return false
    const buckets = new Map(a.latency)
    return b.latency.every(([i, n]) => (buckets.get(i) ?? 0) >= n)
  })
}
