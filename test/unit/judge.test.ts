import { describe, expect, it } from 'vitest'
import {
  DEFAULT_THRESHOLDS,
  judge,
  overall,
  summarize,
  type MetricVerdict,
  type WindowMetrics,
} from '../../src/analysis/judge.js'
import type { AnalysisThresholds } from '../../src/rollout/plan/rollout-plan.js'
import { LATENCY_BOUNDS_MS, latencyBucket } from '../../src/host-core/metrics-report.js'

/** Deterministic pseudo-random numbers (Park-Miller), so every run judges the same calls. */
function random(seed: number): () => number {
  let s = seed
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}
/** `n` durations around `medianMs`, log-spread by about ±40%. */
function durations(n: number, medianMs: number, seed: number): number[] {
  const r = random(seed)
  return Array.from({ length: n }, () => medianMs * Math.exp(0.6 * (r() + r() + r() - 1.5)))
}
function window(ms: number[], errors = 0): WindowMetrics {
  const latency = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0)
  for (const d of ms) latency[latencyBucket(d)]++
  return { calls: ms.length, errors, latency }
}
const byMetric = (verdicts: MetricVerdict[], metric: string) => verdicts.find((v) => v.metric === metric)!

describe('judge', () => {
  it('equal distributions pass', () => {
    const stable = window(durations(1000, 1, 1))
    for (const canary of [window(durations(1000, 1, 1)), window(durations(800, 1, 2))]) {
      const v = judge(canary, stable, DEFAULT_THRESHOLDS)
      expect(v.map((x) => x.metric)).toEqual(['error-rate', 'latency']) // p95/p99 only with a max
      expect(v.map((x) => x.outcome)).toEqual(['pass', 'pass'])
      expect(overall(v)).toBe('pass')
      const latency = byMetric(v, 'latency')
      expect(Math.abs(latency.figures.shift!)).toBeLessThan(0.25)
      expect(latency.figures.pValue!).toBeGreaterThan(0.05)
      expect(latency.summary).toMatch(
        /^canary p50 1\.\d ms vs 1\.\d ms, shift [+-]0\.\d+ ms \[95% CI .*\], Cliff's d -?0\.\d\d, p=[\d.]+ -> pass \(within the tolerance; tolerance 1\.0 ms \(the floor; 20% = 0\.2\d ms\)\)$/,
      )
    }
  })

  it('a canary 100 ms slower than a ~1 ms stable fails latency, with the figures', () => {
    const v = judge(window(durations(500, 101, 3)), window(durations(500, 1, 4)), DEFAULT_THRESHOLDS)
    const latency = byMetric(v, 'latency')
    expect(latency.outcome).toBe('fail')
    expect(latency.critical).toBe(true)
    expect(latency.figures.shift!).toBeGreaterThan(80) // within a bucket (~19%) of 100
    expect(latency.figures.shift!).toBeLessThan(125)
    expect(latency.figures.shiftLower!).toBeGreaterThan(latency.figures.tolerance!)
    expect(latency.figures.tolerance).toBe(1) // 20% of ~1.1 ms is below the 1 ms floor
    expect(latency.figures.cliffsDelta).toBe(1)
    expect(latency.figures.pValue!).toBeLessThan(1e-10)
    expect(latency.figures.canaryCalls).toBe(500)
    expect(latency.summary).toMatch(
      /^canary p50 1\d\d ms vs 1\.\d ms, shift \+1\d\d ms \[95% CI \+\d+, \+\d+\], Cliff's d 1\.00, p=\d\.\de-\d+ -> fail/,
    )
    expect(byMetric(v, 'error-rate').outcome).toBe('pass')
    expect(overall(v)).toBe('fail')
  })

  it('10% errors against 0% fails error-rate', () => {
    const v = judge(window(durations(300, 1, 5), 30), window(durations(300, 1, 6), 0), DEFAULT_THRESHOLDS)
    const e = byMetric(v, 'error-rate')
    expect(e.outcome).toBe('fail')
    expect(e.figures).toMatchObject({
      canaryRate: 10,
      stableRate: 0,
      difference: 10,
      canaryErrors: 30,
      stableErrors: 0,
    })
    expect(e.figures.pValue!).toBeLessThan(1e-6)
    expect(e.summary).toMatch(
      /^canary error rate 10\.0% \(30\/300\) vs 0\.0% \(0\/300\), \+10\.0 pp, p=.* \(Fisher\) -> fail \(above the max 5%\)$/,
    )
    expect(overall(v)).toBe('fail')
  })

  it('error-rate: below the max but significantly worse fails; worse but not significant is inconclusive', () => {
    const stable = window(durations(2000, 1, 7), 10) // 0.5%
    const worse = judge(window(durations(2000, 1, 8), 80), stable, DEFAULT_THRESHOLDS) // 4%
    expect(byMetric(worse, 'error-rate').outcome).toBe('fail')
    expect(byMetric(worse, 'error-rate').summary).toMatch(/more than 1 pp above stable, significant/)
    const few = judge(window(durations(60, 1, 9), 2), window(durations(60, 1, 10), 0), DEFAULT_THRESHOLDS) // 3.3% vs 0%
    const e = byMetric(few, 'error-rate')
    expect(e.outcome).toBe('inconclusive')
    expect(e.figures.pValue!).toBeGreaterThan(0.05)
    expect(overall(few)).toBe('inconclusive')
    // Within the tolerance: pass even with a p-value below α.
    const close = judge(
      window(durations(100_000, 1, 11), 1500),
      window(durations(100_000, 1, 12), 1000),
      DEFAULT_THRESHOLDS,
    )
    const c = byMetric(close, 'error-rate')
    expect(c.figures.pValue!).toBeLessThan(0.05)
    expect(c.summary).toContain('(z-test)')
    expect(c.outcome).toBe('pass')
  })

  it('too few calls: nodata, and overall nodata (never a pass)', () => {
    const v = judge(window(durations(20, 1, 13)), window(durations(500, 1, 14)), {
      ...DEFAULT_THRESHOLDS,
      maxP95Ms: 100,
    })
    expect(v.map((x) => x.outcome)).toEqual(['nodata', 'nodata', 'nodata'])
    expect(byMetric(v, 'latency').figures.shift).toBeNull()
    expect(byMetric(v, 'error-rate').summary).toBe('canary 20 calls, stable 500: fewer than 50 -> nodata')
    expect(overall(v)).toBe('nodata')
    // The stable side too.
    expect(overall(judge(window(durations(500, 1, 15)), window([]), DEFAULT_THRESHOLDS))).toBe('nodata')
  })

  it('a small significant shift below the tolerance passes, and says so', () => {
    // ~0.2 ms slower at ~1 ms: one bucket; clear with 5000 calls a side, below the 1 ms floor.
    const v = judge(window(durations(5000, 1.2, 16)), window(durations(5000, 1, 17)), DEFAULT_THRESHOLDS)
    const latency = byMetric(v, 'latency')
    expect(latency.figures.pValue!).toBeLessThan(1e-6)
    expect(latency.figures.shift!).toBeGreaterThan(0)
    expect(latency.figures.shift!).toBeLessThan(latency.figures.tolerance!)
    expect(latency.outcome).toBe('pass')
    expect(latency.summary).toMatch(
      /-> pass \(significant but within the tolerance; tolerance 1\.0 ms \(the floor; 20% = 0\.2\d ms\)\)$/,
    )
    // The same shift with a tolerance of 5% of the stable median (floor off) fails.
    const strict = judge(window(durations(5000, 1.2, 16)), window(durations(5000, 1, 17)), {
      ...DEFAULT_THRESHOLDS,
      latencyFloorMs: 0,
      latencyTolerance: { percent: 5 },
    })
    expect(byMetric(strict, 'latency').outcome).toBe('fail')
    expect(byMetric(strict, 'latency').summary).toMatch(/tolerance 5% = 0\.\d+ ms\)$/)
  })

  it('a shift beyond the tolerance: negligible effect passes, not significant is inconclusive', () => {
    // Stable all near 10 ms; canary 55% at ~40 ms, 45% at ~5 ms: the median pairwise shift is
    // +30 ms but P(X > Y) - P(X < Y) is only 0.1.
    const stable = window(new Array(2000).fill(10))
    const canary = window([...new Array(1100).fill(40), ...new Array(900).fill(5)])
    const v = byMetric(judge(canary, stable, DEFAULT_THRESHOLDS), 'latency')
    expect(v.figures.shift!).toBeGreaterThan(v.figures.tolerance!)
    expect(v.figures.cliffsDelta!).toBeCloseTo(0.1, 10)
    expect(v.figures.pValue!).toBeLessThan(0.05)
    expect(v.outcome).toBe('pass')
    expect(v.summary).toContain("significant but negligible: Cliff's d below 0.2")
    // 50 calls a side, the canary ~15% slower at 10 ms with a 1 ms tolerance: not enough evidence.
    const few = byMetric(
      judge(window(durations(50, 11.5, 18)), window(durations(50, 10, 19)), {
        ...DEFAULT_THRESHOLDS,
        latencyTolerance: { ms: 1 },
      }),
      'latency',
    )
    expect(few.figures.shift!).toBeGreaterThan(1)
    expect(few.figures.pValue!).toBeGreaterThanOrEqual(0.05)
    expect(few.outcome).toBe('inconclusive')
  })

  it('p95 / p99 against a max', () => {
    const stable = window(durations(1000, 1, 20))
    const canary = window([...durations(900, 1, 21), ...new Array(100).fill(30)]) // 10% at 30 ms
    const t: AnalysisThresholds = { ...DEFAULT_THRESHOLDS, maxP95Ms: 20, maxP99Ms: 50 }
    const v = judge(canary, stable, t)
    const p95 = byMetric(v, 'p95')
    expect(p95.outcome).toBe('fail')
    expect(p95.figures.canary!).toBeGreaterThanOrEqual(30) // the bucket's upper bound
    expect(p95.figures.canary!).toBeLessThan(30 * 1.19)
    expect(p95.figures.max).toBe(20)
    expect(p95.summary).toMatch(/^canary p95 3\d\.\d ms vs [12]\.\d ms \(max 20\.0 ms/)
    expect(byMetric(v, 'p99').outcome).toBe('pass')
    expect(overall(v)).toBe('fail')
    expect(byMetric(judge(canary, stable, { ...t, maxP95Ms: 40 }), 'p95').outcome).toBe('pass')
  })

  it('overall: a non-critical fail is reported but does not block', () => {
    const canary = window(durations(1000, 1, 22), 80) // 8% errors
    const stable = window(durations(1000, 1, 23), 0)
    const v = judge(canary, stable, { ...DEFAULT_THRESHOLDS, critical: ['latency'] })
    expect(byMetric(v, 'error-rate')).toMatchObject({ outcome: 'fail', critical: false })
    expect(overall(v)).toBe('pass')
    expect(overall([])).toBe('inconclusive')
    expect(overall(v.map((x) => ({ ...x, critical: false })))).toBe('inconclusive')
  })

  it('summarize and input checks', () => {
    const w = window([...new Array(99).fill(1), 30], 5)
    expect(summarize(w)).toEqual({
      calls: 100,
      errors: 5,
      errorRate: 5,
      p50: LATENCY_BOUNDS_MS[latencyBucket(1)],
      p95: LATENCY_BOUNDS_MS[latencyBucket(1)],
      p99: LATENCY_BOUNDS_MS[latencyBucket(1)],
    })
    expect(summarize(window([]))).toEqual({ calls: 0, errors: 0, errorRate: null, p50: null, p95: null, p99: null })
    expect(() => judge({ calls: 1, errors: 0, latency: [1] }, window([]), DEFAULT_THRESHOLDS)).toThrow(/buckets/)
    expect(() => judge(window([1], 2), window([]), DEFAULT_THRESHOLDS)).toThrow(/errors/)
    expect(DEFAULT_THRESHOLDS).toMatchObject({
      minCalls: 50,
      confidence: 0.95,
      maxErrorRate: 5,
      errorTolerance: 1,
      latencyTolerance: { percent: 20 },
      latencyFloorMs: 1,
      effectFloor: 0.2,
    })
    expect(DEFAULT_THRESHOLDS.critical).toEqual(['error-rate', 'latency', 'p95', 'p99'])
  })
})

describe('latency from averages (a NATS service stats: totals, no distribution)', () => {
  const t = { ...DEFAULT_THRESHOLDS, confidence: 0.95 }
  const averaged = (calls: number, meanMs: number, errors = 0): WindowMetrics => ({
    calls,
    errors,
    latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0),
    processingMs: calls * meanMs,
  })

  it('fails a canary whose average is slower than the tolerance allows, and says no test of significance was possible', () => {
    const v = byMetric(judge(averaged(200, 60), averaged(800, 10), t), 'latency')
    expect(v.outcome).toBe('fail')
    expect(v.summary).toBe(
      "canary average 60.0 ms vs 10.0 ms, +50.0 ms (averages from the services' stats: no test of significance) -> fail (slower beyond the tolerance; tolerance 2.0 ms)",
    )
  })

  it('passes within the tolerance (20% of the stable mean, at least the floor), and is NODATA below minCalls', () => {
    expect(byMetric(judge(averaged(200, 11.5), averaged(800, 10), t), 'latency').outcome).toBe('pass')
    expect(byMetric(judge(averaged(200, 0), averaged(800, 0.5), t), 'latency').outcome).toBe('pass')
    expect(byMetric(judge(averaged(20, 60), averaged(800, 10), t), 'latency').outcome).toBe('nodata')
  })

  it('the error rate is judged as for hosts, and the summary of a window gives its average', () => {
    expect(byMetric(judge(averaged(500, 1, 100), averaged(2000, 1, 2), t), 'error-rate').outcome).toBe('fail')
    expect(summarize(averaged(10, 2.5))).toMatchObject({ calls: 10, p50: null, averageMs: 2.5 })
  })
})
