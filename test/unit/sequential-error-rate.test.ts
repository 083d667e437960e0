/**
 * The sequential error-rate test (src/stats/sequential-error-rate.ts): its verdicts, the
 * statistical minimum against a hand computation, and seeded simulations of whole steps with a
 * look after every report (reports of varying size, some lost): false fails of equal canaries
 * (A/A) and of canaries exactly at the tolerance stay ≤ α; power for canaries failing 5% and 20%
 * of their calls at 10% weight.
 */
import { describe, expect, it } from 'vitest'
import {
  errorRateCallsNeeded,
  errorRateDecision,
  errorRateMinimumCalls,
  errorRateSequential,
  type ErrorRateSequentialOptions,
} from '../../src/stats/sequential-error-rate.js'
import { describeRate, seededRandom } from '../helpers/seeded-random.js'
import { simulateErrorRateStep } from '../helpers/sequential-simulation.js'

const OPTIONS: ErrorRateSequentialOptions = { alpha: 0.01, tolerancePp: 1, maxErrorRate: 5 }

describe('verdicts', () => {
  it('fails a canary clearly worse, with bounds above the tolerance', () => {
    const v = errorRateSequential({ canaryCalls: 100, canaryErrors: 20, stableCalls: 900, stableErrors: 1 }, OPTIONS)
    expect(v.verdict).toBe('fail')
    expect(v.lower).toBeGreaterThan(1)
    expect(v.upper).toBeGreaterThan(v.lower)
    expect(v.logEvidence).toBeGreaterThan(Math.log(100))
    expect(v.reason).toMatch(/canary worse by more than 1 pp/)
  })
  it('fails a canary above the ceiling even when the stable is as bad', () => {
    const counts = { canaryCalls: 2000, canaryErrors: 400, stableCalls: 18000, stableErrors: 3600 }
    const v = errorRateSequential(counts, OPTIONS)
    expect(v.verdict).toBe('fail')
    expect(v.reason).toMatch(/shown above 5%/)
    expect(errorRateSequential(counts, { alpha: 0.01, tolerancePp: 1 }).verdict).not.toBe('fail')
  })
  it('passes an equal canary once shown within the tolerance, and waits before that', () => {
    const few = errorRateSequential({ canaryCalls: 20, canaryErrors: 0, stableCalls: 180, stableErrors: 0 }, OPTIONS)
    expect(few.verdict).toBe('continue')
    expect(few.lower).toBeLessThan(0)
    expect(few.upper).toBeGreaterThan(1)
    const many = { canaryCalls: 5000, canaryErrors: 5, stableCalls: 45000, stableErrors: 45 }
    const v = errorRateSequential(many, OPTIONS)
    expect(v.verdict).toBe('pass')
    expect(v.upper).toBeLessThan(1)
    expect(v.reason).toMatch(/no worse than 1 pp/)
  })
  it('continues with no calls and refuses impossible counts', () => {
    const none = { canaryCalls: 0, canaryErrors: 0, stableCalls: 0, stableErrors: 0 }
    expect(errorRateSequential(none, OPTIONS).verdict).toBe('continue')
    expect(() => errorRateDecision({ ...none, canaryErrors: 1 }, OPTIONS)).toThrow(/more errors than calls/)
    expect(() => errorRateDecision({ ...none, canaryCalls: 1.5 }, OPTIONS)).toThrow(/count/)
    expect(() => errorRateDecision(none, { ...OPTIONS, alpha: 0 })).toThrow(/alpha/)
  })
})

describe('statistical minimum', () => {
  it('is ln(1/α) / KL(canary ‖ stable + tolerance)', () => {
    // 20% vs 0.1% + 1 pp: KL = 0.2 ln(0.2/0.011) + 0.8 ln(0.8/0.989)
    const kl = 0.2 * Math.log(0.2 / 0.011) + 0.8 * Math.log(0.8 / 0.989)
    expect(errorRateMinimumCalls({ canaryRate: 20, stableRate: 0.1 }, OPTIONS)).toBeCloseTo(Math.log(100) / kl, 9)
    expect(errorRateMinimumCalls({ canaryRate: 20, stableRate: 0.1 }, OPTIONS)).toBeCloseTo(11.22, 2)
    expect(errorRateMinimumCalls({ canaryRate: 1, stableRate: 0.5 }, OPTIONS)).toBe(Number.POSITIVE_INFINITY)
  })
  it("the test's own need is the first canary count at which expected counts fail", () => {
    const needed = errorRateCallsNeeded({ canaryRate: 20, stableRate: 0.1, weight: 0.1 }, OPTIONS)
    expect(needed).toBe(23) // 5 errors in 23 calls; 24 to 27 calls with 5 errors do not fail yet
    const at = (nc: number) => ({
      canaryCalls: nc,
      canaryErrors: Math.round(nc / 5),
      stableCalls: 9 * nc,
      stableErrors: 0,
    })
    expect(errorRateDecision(at(23), OPTIONS).verdict).toBe('fail')
    for (let nc = 1; nc < 23; nc++) expect(errorRateDecision(at(nc), OPTIONS).verdict).toBe('continue')
    expect(errorRateCallsNeeded({ canaryRate: 1, stableRate: 1, weight: 0.1 }, OPTIONS)).toBe(Number.POSITIVE_INFINITY)
  })
})

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

describe('simulated steps, a look after every report', () => {
  it('false fails of equal canaries (A/A) stay at or below α = 1%', () => {
    const rng = seededRandom(32)
    const steps = 3000
    let fails = 0
    let passes = 0
    for (let i = 0; i < steps; i++) {
      const rate = [0.001, 0.01, 0.05][i % 3]
      const r = simulateErrorRateStep(
        rng,
        { canaryRate: rate, stableRate: rate, callsPerSecond: i % 2 ? 100 : 1000 },
        OPTIONS,
      )
      if (r.verdict === 'fail') fails++
      if (r.verdict === 'pass') passes++
    }
    console.log(`error rate A/A, ${steps} steps of 60 looks: false fails ${describeRate(fails, steps)}`)
    console.log(`error rate A/A: shown no worse within the step (early promote) ${describeRate(passes, steps)}`)
    expect(fails / steps).toBeLessThanOrEqual(0.01)
  })
  it('false fails of canaries exactly at the tolerance (1% vs 2%) stay at or below α', () => {
    const rng = seededRandom(3232)
    const steps = 2000
    let fails = 0
    for (let i = 0; i < steps; i++) {
      const r = simulateErrorRateStep(
        rng,
        { canaryRate: 0.02, stableRate: 0.01, callsPerSecond: i % 2 ? 100 : 1000 },
        OPTIONS,
      )
      if (r.verdict === 'fail') fails++
    }
    console.log(`error rate at the tolerance, ${steps} steps: false fails ${describeRate(fails, steps)}`)
    expect(fails / steps).toBeLessThanOrEqual(0.01)
  })
  it.each([
    { rate: 0.2, perSecond: 100, power: 0.99 },
    { rate: 0.05, perSecond: 100, power: 0.85 },
    { rate: 0.2, perSecond: 1000, power: 0.99 },
    { rate: 0.05, perSecond: 1000, power: 0.99 },
  ])(
    'catches a canary failing $rate of its calls at 10% weight, $perSecond calls/s, within a 60 s step',
    ({ rate, perSecond, power }) => {
      const rng = seededRandom(Math.round(rate * 1000) + perSecond)
      const steps = 300
      const caught: { canaryCalls: number; second: number }[] = []
      for (let i = 0; i < steps; i++) {
        const r = simulateErrorRateStep(
          rng,
          { canaryRate: rate, stableRate: 0.001, callsPerSecond: perSecond },
          OPTIONS,
        )
        if (r.verdict === 'fail') caught.push(r)
        expect(r.verdict).not.toBe('pass')
      }
      const minimum = errorRateMinimumCalls({ canaryRate: 100 * rate, stableRate: 0.1 }, OPTIONS)
      const needed = errorRateCallsNeeded({ canaryRate: 100 * rate, stableRate: 0.1, weight: 0.1 }, OPTIONS)
      console.log(
        `error rate ${100 * rate}% vs 0.1% at ${perSecond} calls/s: caught ${describeRate(caught.length, steps)};` +
          ` median ${median(caught.map((c) => c.canaryCalls))} canary calls (test's need ${needed}, statistical minimum ${minimum.toFixed(1)}),` +
          ` median ${median(caught.map((c) => c.second))} s`,
      )
      expect(caught.length / steps).toBeGreaterThan(power)
    },
  )
})
