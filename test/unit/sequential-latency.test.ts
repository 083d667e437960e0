/**
 * The sequential latency test (src/stats/sequential-latency.ts): the reduction of histograms to
 * exceedance counts (straddling buckets always counted against the claim), the frozen threshold,
 * and seeded simulations of whole steps over real histograms (LATENCY_BOUNDS_MS): false fails of
 * equal canaries and of canaries exactly T slower stay ≤ α; power for a canary 50 ms slower; the
 * canary-alone median Pass: false passes at the edge ≤ α.
 */
import { describe, expect, it } from 'vitest'
import { LATENCY_BOUNDS_MS, latencyBucket } from '../../src/host-core/metrics-report.js'
import { normalCdf } from '../../src/stats/distributions.js'
import { bernoulliKl, minimumCalls } from '../../src/stats/sequential-error-rate.js'
import {
  canaryMedianWithin,
  exceedanceCounts,
  histogramSince,
  latencyDecision,
  latencySequential,
  latencyThresholds,
} from '../../src/stats/sequential-latency.js'
import { type Random, describeRate, seededRandom } from '../helpers/seeded-random.js'
import { simulateLatencyStep } from '../helpers/sequential-simulation.js'

const BUCKETS = LATENCY_BOUNDS_MS.length + 1
const empty = () => new Array<number>(BUCKETS).fill(0)
const histogram = (entries: [ms: number, calls: number][]) => {
  const h = empty()
  for (const [ms, calls] of entries) h[latencyBucket(ms)] += calls
  return h
}

describe('reduction to exceedance counts', () => {
  const c = LATENCY_BOUNDS_MS[44] // 20.48 ms
  const o = { alpha: 0.01, thresholdMs: c, toleranceMs: 4 } // c + T = 24.48 ms, inside bucket 45 (24.36, 28.96]
  it('counts a bucket straddling c + T against the claim: not for fail, yes for pass', () => {
    const canary = histogram([
      [10, 5],
      [25, 7],
      [40, 3],
    ])
    const stable = histogram([
      [20, 10],
      [21, 10],
    ])
    expect(exceedanceCounts(canary, stable, o, 'fail')).toEqual({
      canaryCalls: 15,
      canaryErrors: 3,
      stableCalls: 20,
      stableErrors: 10,
    })
    expect(exceedanceCounts(canary, stable, o, 'pass').canaryErrors).toBe(10)
  })
  it('freezes c at the stable p50 and T as the fixed judge does', () => {
    const stable = histogram([
      [10, 10],
      [20, 11],
      [80, 9],
    ])
    expect(latencyThresholds(stable, { percent: 20, floorMs: 1 })).toEqual({ thresholdMs: c, toleranceMs: 0.2 * c })
    expect(latencyThresholds(stable, { ms: 10, percent: 20, floorMs: 1 })?.toleranceMs).toBe(10)
    expect(latencyThresholds(empty(), { floorMs: 1 })).toBeNull()
  })
  it('takes the calls since the freeze and refuses a counter that went down', () => {
    expect(histogramSince([3, 5, 0], [1, 5, 0])).toEqual([2, 0, 0])
    expect(() => histogramSince([3, 4], [1, 5])).toThrow(/went down/)
  })
  it('fails a canary far slower, passes an equal one with many calls, waits with few', () => {
    const stable = histogram([
      [15, 450],
      [30, 450],
    ])
    const slow = latencySequential(histogram([[80, 50]]), stable, o)
    expect(slow.verdict).toBe('fail')
    expect(slow.lower).toBeGreaterThan(0)
    expect(slow.reason).toMatch(/canary slower than stable \+ 4 ms/)
    const same = latencySequential(histogram([[15, 2000]]), stable, o)
    expect(same.verdict).toBe('pass')
    expect(same.upper).toBeLessThan(0)
    expect(latencySequential(histogram([[80, 2]]), stable, o).verdict).toBe('continue')
    expect(() => latencyDecision(empty(), empty(), { ...o, toleranceMs: 0 })).toThrow(/toleranceMs/)
  })
})

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

describe('simulated steps over histograms, a look after every report', () => {
  it.each([
    { name: 'equal canaries (A/A)', slowerMs: 0 as const, steps: 800 },
    { name: 'canaries exactly T slower', slowerMs: 'T' as const, steps: 600 },
  ])('false fails of $name stay at or below α = 1%', ({ name, slowerMs, steps }) => {
    const rng = seededRandom(slowerMs === 0 ? 50 : 51)
    let fails = 0
    let passes = 0
    for (let i = 0; i < steps; i++) {
      const r = simulateLatencyStep(rng, slowerMs, 100)
      if (r.verdict === 'fail') fails++
      if (r.verdict === 'pass') passes++
    }
    console.log(`latency, ${name}, ${steps} steps: false fails ${describeRate(fails, steps)}`)
    console.log(`latency, ${name}: shown within stable + T in the step (early promote) ${describeRate(passes, steps)}`)
    expect(fails / steps).toBeLessThanOrEqual(0.01)
  })
  it.each([{ perSecond: 100 }, { perSecond: 1000 }])(
    'catches a canary 50 ms slower at 10% weight, $perSecond calls/s, within a 60 s step',
    ({ perSecond }) => {
      const rng = seededRandom(52 + perSecond)
      const steps = perSecond === 100 ? 200 : 40
      const caught: { canaryCalls: number; second: number }[] = []
      for (let i = 0; i < steps; i++) {
        const r = simulateLatencyStep(rng, 50, perSecond)
        if (r.verdict === 'fail') caught.push(r)
      }
      // The reduced test's minimum: P(canary > c + T) = 1 against P(stable > c), c = 20.48 ms.
      const stableAbove = 1 - normalCdf(Math.log(LATENCY_BOUNDS_MS[44] / 20) / 0.5)
      const minimum = minimumCalls(0.01, bernoulliKl(1 - 1e-12, stableAbove))
      console.log(
        `latency +50 ms at ${perSecond} calls/s: caught ${describeRate(caught.length, steps)};` +
          ` median ${median(caught.map((c) => c.canaryCalls))} canary calls after the freeze` +
          ` (statistical minimum ${minimum.toFixed(1)}), median ${median(caught.map((c) => c.second))} s`,
      )
      expect(caught.length).toBe(steps)
    },
  )
})

describe('canary median within c + T, on its own (the Pass when the stable sits in the lowest buckets)', () => {
  const c = LATENCY_BOUNDS_MS[44]
  const o = { alpha: 0.01, thresholdMs: c, toleranceMs: 4 } // c + T inside bucket 45
  /** 60 looks of 5 to 15 canary calls, each above c + T (bucket 46) with chance `above`, else below (bucket 44). */
  const step = (rng: Random, above: number) => {
    const canary = empty()
    for (let second = 1; second <= 60; second++) {
      const calls = 5 + Math.floor(rng.next() * 11)
      const up = rng.binomial(calls, above)
      canary[46] += up
      canary[44] += calls - up
      if (canaryMedianWithin(canary, o)) return second
    }
    return null
  }

  it('passes a canary exactly at the edge (half its calls above c + T) in at most α of steps', () => {
    const rng = seededRandom(61)
    const steps = 2000
    const passed = Array.from({ length: steps }, () => step(rng, 0.5)).filter((s) => s !== null).length
    console.log(`median within, canary at the edge, ${steps} steps: false passes ${describeRate(passed, steps)}`)
    expect(passed / steps).toBeLessThanOrEqual(0.01)
  })

  it('passes a canary clearly within (10% of its calls above) within the step, never one clearly above', () => {
    const rng = seededRandom(62)
    expect(Array.from({ length: 200 }, () => step(rng, 0.1)).every((s) => s !== null && s < 10)).toBe(true)
    expect(Array.from({ length: 200 }, () => step(rng, 0.8)).some((s) => s !== null)).toBe(false)
  })

  it('counts a bucket straddling c + T as above (never helps a pass), and says why', () => {
    const straddling = histogram([[c + 3.9, 100]]) // bucket 45 holds c + T
    expect(canaryMedianWithin(straddling, o)).toBeNull()
    const within = canaryMedianWithin(histogram([[c, 100]]), o)
    expect(within?.reason).toMatch(
      /^canary median within stable \+ 4 ms \(e-value .*\); canary above 24\.5 ms: 0 of 100 calls$/,
    )
  })
})
