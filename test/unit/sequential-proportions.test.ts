/**
 * The two-rate e-process of src/stats/sequential-proportions.ts against independent
 * computations: the KT mixture by quadrature and by its sequential predictive rule, the profile
 * likelihood by a grid, and the time-uniform error bound by exact dynamic programming over
 * every path of a step (no simulation noise).
 */
import { describe, expect, it } from 'vitest'
import {
  differenceInterval,
  logDifferenceEvidence,
  logKtMixture,
  logProfileLikelihood,
  logRateEvidence,
  type TwoArmCounts,
} from '../../src/stats/sequential-proportions.js'
import { clopperPearson } from '../helpers/seeded-random.js'

/** ∫ θ^x (1-θ)^(n-x) Beta(1/2,1/2)(dθ), with θ = sin²φ (which removes the density's poles), by Simpson. */
function ktByQuadrature(x: number, n: number): number {
  const steps = 20_000
  const h = Math.PI / 2 / steps
  let sum = 0
  for (let i = 0; i <= steps; i++) {
    const theta = Math.sin(i * h) ** 2
    const f = (2 / Math.PI) * theta ** x * (1 - theta) ** (n - x)
    sum += f * (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2)
  }
  return (sum * h) / 3
}

describe('KT mixture', () => {
  it('matches the Krichevsky-Trofimov predictive rule: P(next = 1) = (ones + 1/2) / (seen + 1)', () => {
    expect(Math.exp(logKtMixture(0, 0))).toBeCloseTo(1, 12)
    expect(Math.exp(logKtMixture(0, 1))).toBeCloseTo(1 / 2, 12)
    expect(Math.exp(logKtMixture(1, 2))).toBeCloseTo(1 / 8, 12) // 1/2 · 1/4
    expect(Math.exp(logKtMixture(0, 2))).toBeCloseTo(3 / 8, 12) // 1/2 · 3/4
    let p = 1 // the sequence 1,1,0,1,0,0,0: sequential product
    const seq = [1, 1, 0, 1, 0, 0, 0]
    seq.forEach((b, i) => {
      const ones = seq.slice(0, i).filter((v) => v === 1).length
      const one = (ones + 0.5) / (i + 1)
      p *= b === 1 ? one : 1 - one
    })
    expect(Math.exp(logKtMixture(3, 7))).toBeCloseTo(p, 14)
  })
  it('matches quadrature of the mixture integral', () => {
    for (const [x, n] of [
      [0, 10],
      [3, 10],
      [7, 40],
      [1, 200],
    ]) {
      expect(logKtMixture(x, n)).toBeCloseTo(Math.log(ktByQuadrature(x, n)), 5)
    }
  })
})

describe('profile likelihood and interval', () => {
  const counts: TwoArmCounts = { canaryCalls: 40, canaryErrors: 6, stableCalls: 360, stableErrors: 5 }
  it('the profile equals the maximum over a fine grid of the stable rate', () => {
    for (const d of [-0.01, 0, 0.01, 0.05, 0.3]) {
      let best = Number.NEGATIVE_INFINITY
      for (let i = 1; i < 200_000; i++) {
        const t = i / 200_000
        if (t + d <= 0 || t + d >= 1) continue
        const l = 6 * Math.log(t + d) + 34 * Math.log(1 - t - d) + 5 * Math.log(t) + 355 * Math.log(1 - t)
        best = Math.max(best, l)
      }
      expect(logProfileLikelihood(counts, d)).toBeCloseTo(best, 6)
    }
  })
  it('the interval holds the observed difference and its ends have e-value 1/α', () => {
    const { lower, upper } = differenceInterval(counts, 0.01)
    expect(lower).toBeLessThan(6 / 40 - 5 / 360)
    expect(upper).toBeGreaterThan(6 / 40 - 5 / 360)
    expect(logDifferenceEvidence(counts, lower)).toBeCloseTo(Math.log(100), 4)
    expect(logDifferenceEvidence(counts, upper)).toBeCloseTo(Math.log(100), 4)
    // Wider than the fixed-sample interval: it pays for looking at every n.
    expect(upper - lower).toBeGreaterThan(0.2)
  })
  it('one-arm evidence is 1 or less on the null side and grows against a far bound', () => {
    expect(logRateEvidence(2, 100, 0.05, 'above')).toBeLessThanOrEqual(0)
    expect(logRateEvidence(30, 100, 0.05, 'above')).toBeGreaterThan(Math.log(1000))
    expect(logRateEvidence(0, 2000, 0.05, 'below')).toBeGreaterThan(Math.log(1000))
  })
})

/**
 * Exact P(the test ever rejects "Δ ≤ δ" within one step) on the null's edge, Δ = δ: the step's
 * calls go 1 canary then 9 stable, the test looks after every 10 calls, and the probability of
 * every (canary errors, stable errors) state is carried forward, rejected mass removed.
 */
function exactFalseFail(thetaS: number, delta: number, alpha: number, looks: number): number {
  const thetaC = thetaS + delta
  const threshold = Math.log(1 / alpha)
  const binom = (k: number, n: number, p: number) => {
    let c = 1
    for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1)
    return c * p ** k * (1 - p) ** (n - k)
  }
  const stableStep = Array.from({ length: 10 }, (_, k) => binom(k, 9, thetaS))
  let mass = new Map<string, number>([['0,0', 1]])
  let rejected = 0
  for (let look = 1; look <= looks; look++) {
    const next = new Map<string, number>()
    for (const [key, m] of mass) {
      const [xc, xs] = key.split(',').map(Number)
      for (const [dc, pc] of [
        [0, 1 - thetaC],
        [1, thetaC],
      ]) {
        for (let ds = 0; ds <= 9; ds++) {
          const k = `${xc + dc},${xs + ds}`
          next.set(k, (next.get(k) ?? 0) + m * pc * stableStep[ds])
        }
      }
    }
    mass = new Map()
    for (const [key, m] of next) {
      if (m < 1e-15) continue
      const [xc, xs] = key.split(',').map(Number)
      const c = { canaryCalls: look, canaryErrors: xc, stableCalls: 9 * look, stableErrors: xs }
      const worse = xc / look - xs / (9 * look) > delta
      if (worse && logDifferenceEvidence(c, delta) >= threshold) rejected += m
      else mass.set(key, m)
    }
  }
  return rejected
}

describe('time-uniform error, computed exactly', () => {
  it.each([
    [0.02, 0.01, 0.05],
    [0.1, 0.01, 0.01],
    [0.005, 0.01, 0.01],
  ])('stable %f, canary stable + %f: P(false fail over 60 looks) <= α = %f', (thetaS, delta, alpha) => {
    const p = exactFalseFail(thetaS, delta, alpha, 60)
    console.log(`exact P(false fail) over 60 looks, stable ${thetaS}, δ ${delta}: ${p.toExponential(3)} (α ${alpha})`)
    expect(p).toBeLessThanOrEqual(alpha)
  })
})

describe('Clopper-Pearson helper', () => {
  it('matches published intervals', () => {
    // scipy.stats.beta.ppf(0.025, 3, 98), beta.ppf(0.975, 4, 97), beta.ppf(0.975, 1, 50)
    const [lo, hi] = clopperPearson(3, 100)
    expect(lo).toBeCloseTo(0.00622997, 7)
    expect(hi).toBeCloseTo(0.08517605, 7)
    expect(clopperPearson(0, 50)[1]).toBeCloseTo(0.07112174, 7)
  })
})
