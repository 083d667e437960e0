/**
 * Seeded simulations of whole steps under the sequential tests, a look after every report: one
 * report a second of callsPerSecond × U(0.5, 1.5) calls, one report in ten lost (its calls
 * arrive with the next), the canary taking `weight` (default 10%) of the calls at random. Shared
 * by the unit tests (test/unit/sequential-*.test.ts) and the bench (bench/sequential-power.ts).
 */
import { LATENCY_BOUNDS_MS } from '../../src/host-core/metrics-report.js'
import { normalCdf } from '../../src/stats/distributions.js'
import { type ErrorRateSequentialOptions, errorRateDecision } from '../../src/stats/sequential-error-rate.js'
import { histogramSince, latencyDecision, latencyThresholds } from '../../src/stats/sequential-latency.js'
import type { Random } from './seeded-random.js'

export interface StepSetting {
  canaryRate: number
  stableRate: number
  callsPerSecond: number
  weight?: number
  seconds?: number
}

export interface SimulatedStep {
  verdict: 'fail' | 'pass' | null
  canaryCalls: number
  second: number
}

/** One step of the error-rate test on the cumulative counts (rates as fractions). */
export function simulateErrorRateStep(rng: Random, s: StepSetting, o: ErrorRateSequentialOptions): SimulatedStep {
  const c = { canaryCalls: 0, canaryErrors: 0, stableCalls: 0, stableErrors: 0 }
  for (let second = 1; second <= (s.seconds ?? 60); second++) {
    const calls = Math.round(s.callsPerSecond * (0.5 + rng.next()))
    const canary = rng.binomial(calls, s.weight ?? 0.1)
    c.canaryCalls += canary
    c.canaryErrors += rng.binomial(canary, s.canaryRate)
    c.stableCalls += calls - canary
    c.stableErrors += rng.binomial(calls - canary, s.stableRate)
    if (rng.next() < 0.1) continue
    const { verdict } = errorRateDecision(c, o)
    if (verdict !== 'continue') return { verdict, canaryCalls: c.canaryCalls, second }
  }
  return { verdict: null, canaryCalls: c.canaryCalls, second: Number.NaN }
}

const BUCKETS = LATENCY_BOUNDS_MS.length + 1
const empty = () => new Array<number>(BUCKETS).fill(0)

/** The simulated stable's median (ms): latencies are lognormal, σ 0.5 (p95 about 45 ms). */
export const SIMULATED_MEDIAN_MS = 20

/**
 * A call of the stable distribution + `shiftMs`, drawn straight into its bucket by inverting the
 * binned CDF (the same histogram as drawing the latency and calling latencyBucket, several times faster).
 */
export function bucketSampler(rng: Random, shiftMs: number): () => number {
  const cdf = LATENCY_BOUNDS_MS.map((b) =>
    b > shiftMs ? normalCdf(Math.log((b - shiftMs) / SIMULATED_MEDIAN_MS) / 0.5) : 0,
  )
  return () => {
    const u = rng.next()
    let lo = 0
    let hi = cdf.length // the overflow bucket when u is above every bound's CDF
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid] > u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/**
 * One step of the latency test, 10% of the calls to the canary: the first report freezes c and T
 * (20% of the stable p50), then the test looks at the calls since then after every report. The
 * canary's calls after the freeze are the stable's distribution + `slowerMs`, or + T when
 * slowerMs is 'T' (the edge of the null).
 */
export function simulateLatencyStep(
  rng: Random,
  slowerMs: number | 'T',
  callsPerSecond: number,
  alpha = 0.01,
): SimulatedStep {
  const canary = empty()
  const stable = empty()
  let frozen: { thresholdMs: number; toleranceMs: number } | null = null
  let base = { canary: empty(), stable: empty() }
  const stableCall = bucketSampler(rng, 0)
  let canaryCall = bucketSampler(rng, slowerMs === 'T' ? 0 : slowerMs)
  for (let second = 1; second <= 60; second++) {
    const calls = Math.round(callsPerSecond * (0.5 + rng.next()))
    const toCanary = rng.binomial(calls, 0.1)
    for (let i = 0; i < toCanary; i++) canary[canaryCall()]++
    for (let i = toCanary; i < calls; i++) stable[stableCall()]++
    if (frozen === null) {
      frozen = latencyThresholds(stable, { percent: 20, floorMs: 1 })
      base = { canary: [...canary], stable: [...stable] }
      if (slowerMs === 'T' && frozen) canaryCall = bucketSampler(rng, frozen.toleranceMs)
      continue
    }
    if (rng.next() < 0.1) continue
    const since = [histogramSince(canary, base.canary), histogramSince(stable, base.stable)] as const
    const { verdict } = latencyDecision(since[0], since[1], { alpha, ...frozen })
    if (verdict !== 'continue') return { verdict, canaryCalls: since[0].reduce((a, b) => a + b, 0), second }
  }
  return { verdict: null, canaryCalls: Number.NaN, second: Number.NaN }
}
