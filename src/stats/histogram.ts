/**
 * Summaries of a latency histogram over LATENCY_BOUNDS_MS (host-core/metrics-report.ts):
 * `counts[i]` calls took more than bounds[i - 1] and at most bounds[i] ms; `counts[bounds.length]`
 * took longer than the last bound.
 *
 * A percentile is the upper bound of the bucket where the cumulative count reaches the
 * nearest rank ⌈q N⌉: it never understates, and overstates by at most one bucket (bounds grow
 * by 2^(1/4), about 19%, per bucket). The overflow bucket has no upper bound: a percentile
 * there is its representative value (last bound × 2^(1/4)), above every bound.
 *
 * Representative values (for the mean and the Hodges-Lehmann shift): the geometric midpoint of
 * a bucket's bounds, half the first bound for bucket 0, the last bound × 2^(1/4) for overflow.
 */
import { LATENCY_BOUNDS_MS } from '../host-core/metrics-report.js'

export function representativeValues(bounds: readonly number[] = LATENCY_BOUNDS_MS): number[] {
  const values = [bounds[0] / 2]
  for (let i = 1; i < bounds.length; i++) values.push(Math.sqrt(bounds[i - 1] * bounds[i]))
  values.push(bounds[bounds.length - 1] * 2 ** 0.25)
  return values
}

const DEFAULT_REPRESENTATIVES = representativeValues()

export function histogramCount(counts: readonly number[]): number {
  let total = 0
  for (const c of counts) total += c
  return total
}

/** The q-quantile (0 < q <= 1) as described above; null for an empty histogram. */
export function histogramPercentile(
  counts: readonly number[],
  q: number,
  bounds: readonly number[] = LATENCY_BOUNDS_MS,
): number | null {
  checkLength(counts, bounds)
  if (!(q > 0 && q <= 1)) throw new Error(`histogramPercentile: q must be in (0, 1], not ${q}`)
  const total = histogramCount(counts)
  if (total === 0) return null
  const rank = Math.max(1, Math.ceil(q * total - 1e-9 * total)) // forgive q·N landing a hair above an integer
  let cumulative = 0
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]
    if (cumulative >= rank) return i < bounds.length ? bounds[i] : bounds[bounds.length - 1] * 2 ** 0.25
  }
  return null // not reached
}

/** Mean over representative values; null for an empty histogram. */
export function histogramMean(counts: readonly number[], bounds: readonly number[] = LATENCY_BOUNDS_MS): number | null {
  checkLength(counts, bounds)
  const values = bounds === LATENCY_BOUNDS_MS ? DEFAULT_REPRESENTATIVES : representativeValues(bounds)
  let total = 0
  let sum = 0
  for (let i = 0; i < counts.length; i++) {
    total += counts[i]
    sum += counts[i] * values[i]
  }
  return total === 0 ? null : sum / total
}

function checkLength(counts: readonly number[], bounds: readonly number[]): void {
  if (counts.length !== bounds.length + 1)
    throw new Error(`histogram: ${counts.length} buckets, expected ${bounds.length + 1} (the bounds and overflow)`)
}
