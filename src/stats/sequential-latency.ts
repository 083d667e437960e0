/**
 * The sequential latency test on binned data (histograms over LATENCY_BOUNDS_MS), valid at every
 * look like the error-rate test (sequential-error-rate.ts).
 *
 * Method: reduce each call to a Bernoulli outcome at a fixed threshold and reuse the exact
 * two-rate e-process of sequential-proportions.ts. With c the stable's median (a bucket bound)
 * frozen before the counted calls and T the tolerance in ms, "the canary is no slower than the
 * stable + T" (canary latency stochastically ≤ stable latency + T) implies
 * P(canary > c + T) ≤ P(stable > c). So
 *   fail  the canary's chance of exceeding c + T is shown above the stable's chance of exceeding c
 *         (lower bound of the difference > 0): the canary is slower than stable + T, at level α.
 *         Buckets straddling c + T do not count as canary exceedances (conservative).
 *   pass  the canary's chance of exceeding c + T is shown below the stable's of exceeding c (upper
 *         bound < 0; straddling buckets count as exceedances): its median is within c + T.
 *         A separate claim, also at level α.
 * Why this test: a rank or quantile test needs the whole histogram against the whole histogram,
 * and its sequential versions (Howard & Ramdas 2022) are asymptotic or need a per-call order the
 * reports do not keep; the threshold reduction is exact with cumulative bucket counts, keeps
 * the error-rate test's guarantee, and a shift of T moves half of the canary's calls past c + T,
 * a large Bernoulli effect that is caught in a few dozen canary calls.
 * What it cannot conclude: a change confined to the tail (p99 grows, the median does not) leaves
 * P(canary > c + T) near the stable's; the p95/p99 limits of the fixed judge watch the tail. It
 * says nothing of how much slower, only that the canary is slower than stable + T at its median.
 *
 * Validity needs c and T fixed before the counted calls: the caller freezes them (e.g. from
 * the stable's histogram at the step's first report with enough calls, latencyThresholds) and
 * passes the histograms since then (histogramSince).
 */
import { LATENCY_BOUNDS_MS } from '../host-core/metrics-report.js'
import { histogramCount, histogramPercentile } from './histogram.js'
import type { SequentialVerdict } from './sequential-error-rate.js'
import {
  differenceInterval,
  logDifferenceEvidence,
  logRateEvidence,
  type TwoArmCounts,
} from './sequential-proportions.js'

export interface LatencySequentialOptions {
  alpha: number
  /** c: a latency in ms, normally the stable's median frozen at the start (a bucket bound). */
  thresholdMs: number
  /** T in ms (> 0). */
  toleranceMs: number
}

/** The frozen threshold c (the stable's p50) and T = max(floor, ms, percent of the stable's p50), as judge.ts. */
export function latencyThresholds(
  stable: readonly number[],
  t: { ms?: number; percent?: number; floorMs: number },
): { thresholdMs: number; toleranceMs: number } | null {
  const p50 = histogramPercentile(stable, 0.5)
  if (p50 === null) return null
  const toleranceMs = Math.max(t.floorMs, t.ms ?? 0, t.percent === undefined ? 0 : (t.percent / 100) * p50)
  return { thresholdMs: p50, toleranceMs }
}

/** The calls of a cumulative histogram since an earlier one of the same counter. */
export function histogramSince(now: readonly number[], then: readonly number[]): number[] {
  return now.map((n, i) => {
    const d = n - (then[i] ?? 0)
    if (d < 0) throw new Error('histogramSince: a cumulative count went down (a restarted counter?)')
    return d
  })
}

/** Calls in buckets wholly above `ms` (strict) or reaching above it (loose). */
function callsAbove(counts: readonly number[], ms: number, loose: boolean): number {
  let sum = 0
  for (let i = 0; i < counts.length; i++) {
    const lowerEdge = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]
    const upperEdge = i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : Number.POSITIVE_INFINITY
    if (loose ? upperEdge > ms : lowerEdge >= ms) sum += counts[i]
  }
  return sum
}

/**
 * The Bernoulli counts the test runs on: canary calls above c + T, stable calls above c, with
 * straddling buckets counted against the claim: for 'fail' the canary's count is strict and the
 * stable's loose, for 'pass' the other way round.
 */
export function exceedanceCounts(
  canary: readonly number[],
  stable: readonly number[],
  o: LatencySequentialOptions,
  claim: 'fail' | 'pass',
): TwoArmCounts {
  return {
    canaryCalls: histogramCount(canary),
    canaryErrors: callsAbove(canary, o.thresholdMs + o.toleranceMs, claim === 'pass'),
    stableCalls: histogramCount(stable),
    stableErrors: callsAbove(stable, o.thresholdMs, claim === 'fail'),
  }
}

/** The decision alone (no bounds), for simulations. */
export function latencyDecision(
  canary: readonly number[],
  stable: readonly number[],
  o: LatencySequentialOptions,
): { verdict: SequentialVerdict['verdict']; logEvidence: number } {
  if (!(o.alpha > 0 && o.alpha < 1)) throw new Error(`alpha must be between 0 and 1, not ${o.alpha}`)
  if (!(o.toleranceMs > 0)) throw new Error(`toleranceMs must be > 0, not ${o.toleranceMs}`)
  const threshold = Math.log(1 / o.alpha)
  const strict = exceedanceCounts(canary, stable, o, 'fail')
  const logFail = logDifferenceEvidence(strict, 0)
  if (rate(strict, 'canary') > rate(strict, 'stable') && logFail >= threshold)
    return { verdict: 'fail', logEvidence: logFail }
  const loose = exceedanceCounts(canary, stable, o, 'pass')
  const logPass = logDifferenceEvidence(loose, 0)
  if (rate(loose, 'canary') < rate(loose, 'stable') && logPass >= threshold)
    return { verdict: 'pass', logEvidence: logPass }
  return { verdict: 'continue', logEvidence: Math.max(logFail, logPass) }
}

/** The test after one report; lower/upper bound the difference of exceedance chances in pp. */
export function latencySequential(
  canary: readonly number[],
  stable: readonly number[],
  o: LatencySequentialOptions,
): SequentialVerdict {
  const { verdict, logEvidence } = latencyDecision(canary, stable, o)
  const strict = exceedanceCounts(canary, stable, o, 'fail')
  const loose = exceedanceCounts(canary, stable, o, 'pass')
  const lower = differenceInterval(strict, o.alpha).lower
  const upper = differenceInterval(loose, o.alpha).upper
  const pct = (c: TwoArmCounts, arm: 'canary' | 'stable') => `${(100 * rate(c, arm)).toFixed(1)}%`
  const ms = (v: number) => `${Number(v.toPrecision(3))} ms`
  const seen =
    `canary above ${ms(o.thresholdMs + o.toleranceMs)}: ${pct(strict, 'canary')} of ${strict.canaryCalls} calls` +
    ` vs stable above ${ms(o.thresholdMs)}: ${pct(strict, 'stable')} of ${strict.stableCalls}`
  const e = `e-value ${Math.exp(Math.min(logEvidence, 700)).toPrecision(3)}`
  const reason =
    verdict === 'fail'
      ? `canary slower than stable + ${ms(o.toleranceMs)} (${e}); ${seen}`
      : verdict === 'pass'
        ? `canary median within stable + ${ms(o.toleranceMs)} (${e}); ${seen}`
        : `not yet conclusive; ${seen}`
  return { verdict, lower: 100 * lower, upper: 100 * upper, logEvidence, reason }
}

/**
 * A Pass the two-version test cannot give when the stable's calls sit in the lowest buckets (none
 * above its median's bound): the canary's calls reaching above c + T shown below half, i.e. its
 * median within c + T, on its own (a one-rate test at level α; a Pass only, never a Fail).
 */
export function canaryMedianWithin(canary: readonly number[], o: LatencySequentialOptions): SequentialVerdict | null {
  const { canaryCalls: n, canaryErrors: above } = exceedanceCounts(canary, canary, o, 'pass')
  const log = logRateEvidence(above, n, 0.5, 'below')
  if (!(above < n / 2 && log >= Math.log(1 / o.alpha))) return null
  const limit = Number((o.thresholdMs + o.toleranceMs).toPrecision(3))
  return {
    verdict: 'pass',
    lower: Number.NaN,
    upper: Number.NaN,
    logEvidence: log,
    reason: `canary median within stable + ${Number(o.toleranceMs.toPrecision(3))} ms (e-value ${Math.exp(Math.min(log, 700)).toPrecision(3)}); canary above ${limit} ms: ${above} of ${n} calls`,
  }
}

function rate(c: TwoArmCounts, arm: 'canary' | 'stable'): number {
  const [x, n] = arm === 'canary' ? [c.canaryErrors, c.canaryCalls] : [c.stableErrors, c.stableCalls]
  return n === 0 ? 0 : x / n
}
