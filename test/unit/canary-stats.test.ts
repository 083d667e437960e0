/**
 * The canary statistics against reference values computed independently, pasted as literals:
 * - scipy 1.17.1 (python3 on the dev machine): scipy.stats.mannwhitneyu, fisher_exact, norm;
 * - R's documented wilcox.test example (Hollander & Wolfe 1973, p. 69f., in ?wilcox.test):
 *   wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272;
 * - brute force in python (itertools.combinations over all C(15, 5) arrangements) for the exact
 *   null distribution of U and the Hodges-Lehmann interval R's method builds from it.
 */
import { describe, expect, it } from 'vitest'
import { LATENCY_BOUNDS_MS } from '../../src/host-core/metrics-report.js'
import { normalQuantile, normalUpperTail } from '../../src/stats/distributions.js'
import { histogramCount, histogramMean, histogramPercentile, representativeValues } from '../../src/stats/histogram.js'
import { hodgesLehmann, hodgesLehmannBinned } from '../../src/stats/hodges-lehmann.js'
import { exactUCdf, mannWhitney, mannWhitneyBinned } from '../../src/stats/mann-whitney.js'
import { errorRateGreater, fisherGreater } from '../../src/stats/proportions.js'

/** |actual - expected| <= rel × |expected|. */
function close(actual: number, expected: number, rel = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected))
}

// Permeability of the human chorioamnion, term (x) vs 12-26 weeks (y): R's ?wilcox.test example.
const chorioX = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
const chorioY = [1.15, 0.88, 0.9, 0.74, 1.21]
// R's ?wilcox.test depression example (there paired; here taken as two samples, which has ties).
const deprX = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3]
const deprY = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
// Heavily tied: values 0..6 and 1..5.
const tiedA = Array.from({ length: 60 }, (_, i) => i % 7)
const tiedB = Array.from({ length: 40 }, (_, i) => (i % 5) + 1)

describe('normal distribution', () => {
  it('matches scipy.stats.norm', () => {
    close(normalUpperTail(1), 0.15865525393145707) // norm.sf(1)
    close(normalUpperTail(5), 2.866515718791933e-7) // norm.sf(5)
    close(normalUpperTail(10), 7.61985302416047e-24) // norm.sf(10)
    close(normalUpperTail(-2), 1 - 0.022750131948179195) // 1 - norm.sf(2)
    close(normalQuantile(0.975), 1.959963984540054) // norm.ppf(0.975)
    close(normalQuantile(0.05), -1.6448536269514729) // norm.ppf(0.05)
    close(normalQuantile(1e-10), -6.361340902404056) // norm.ppf(1e-10)
  })
})

describe('Mann-Whitney U', () => {
  it('exact p-values for small samples without ties (R docs, scipy method="exact")', () => {
    const greater = mannWhitney(chorioX, chorioY, 'greater')
    expect(greater.u).toBe(35) // R: W = 35
    expect(greater.method).toBe('exact')
    expect(greater.pValue.toFixed(4)).toBe('0.1272') // R: p-value = 0.1272
    close(greater.pValue, 0.1272061272061272) // mannwhitneyu(x, y, alternative='greater', method='exact')
    close(mannWhitney(chorioX, chorioY, 'less').pValue, 0.8967698967698967) // ... alternative='less'
    close(mannWhitney(chorioX, chorioY, 'two-sided').pValue, 0.2544122544122544) // ... alternative='two-sided'
    expect(greater.commonLanguage).toBeCloseTo(35 / 50, 12)
    expect(greater.cliffsDelta).toBeCloseTo(0.4, 12)
  })

  it('exact p-values up to 49 values a side (scipy method="exact")', () => {
    // No ties: ((i*37) % 101)/10 for i < 30 against ((i*53) % 103)/10 + 0.05 for i < 40.
    const x = Array.from({ length: 30 }, (_, i) => ((i * 37) % 101) / 10)
    const y = Array.from({ length: 40 }, (_, i) => ((i * 53) % 103) / 10 + 0.05)
    const r = mannWhitney(x, y, 'greater')
    expect(r.method).toBe('exact')
    expect(r.u).toBe(608) // mannwhitneyu(x, y, alternative='greater', method='exact').statistic
    close(r.pValue, 0.4647722607383108) // its pvalue
    close(mannWhitney(x, y, 'two-sided').pValue, 0.9295445214766216) // alternative='two-sided'
    // The null distribution sums to one and is symmetric.
    const cdf = exactUCdf(49, 49)
    expect(cdf[cdf.length - 1]).toBe(1)
    close(cdf[1200], 1 - cdf[49 * 49 - 1201], 1e-12)
  })

  it('normal approximation with ties and continuity correction (scipy method="asymptotic")', () => {
    const d = mannWhitney(deprX, deprY, 'greater')
    expect(d.method).toBe('normal')
    expect(d.u).toBe(58) // mannwhitneyu(deprX, deprY, method='asymptotic', use_continuity=True).statistic
    close(d.pValue, 0.06645972909265946) // ... alternative='greater'
    close(mannWhitney(deprX, deprY, 'less').pValue, 0.9442044002897128) // alternative='less'
    close(mannWhitney(deprX, deprY, 'two-sided').pValue, 0.13291945818531892) // alternative='two-sided'
    const t = mannWhitney(tiedA, tiedB, 'greater')
    expect(t.u).toBe(1156) // mannwhitneyu(a, b, method='asymptotic').statistic
    close(t.pValue, 0.6243551358201191) // alternative='greater'
    close(mannWhitney(tiedA, tiedB, 'less').pValue, 0.3783500685135297) // alternative='less'
    close(mannWhitney(tiedA, tiedB, 'two-sided').pValue, 0.7567001370270594) // alternative='two-sided'
  })

  it('all values tied: no evidence', () => {
    const r = mannWhitney([1, 1, 1], [1, 1], 'greater')
    expect(r.pValue).toBe(1)
    expect(r.cliffsDelta).toBe(0)
  })

  it('binned variant equals the raw one when every value sits in its own bin', () => {
    for (const [x, y] of [
      [chorioX, chorioY],
      [deprX, deprY],
      [tiedA, tiedB],
    ]) {
      const values = [...new Set([...x, ...y])].sort((a, b) => a - b)
      const xc = values.map((v) => x.filter((u) => u === v).length)
      const yc = values.map((v) => y.filter((u) => u === v).length)
      for (const alt of ['greater', 'less', 'two-sided'] as const) {
        const raw = mannWhitney(x, y, alt)
        const binned = mannWhitneyBinned([0, ...xc, 0], [0, ...yc, 0], alt) // empty bins change nothing
        expect(binned).toEqual(raw)
      }
    }
  })

  it('rejects empty samples and mismatched bins', () => {
    expect(() => mannWhitney([], [1], 'greater')).toThrow(/empty/)
    expect(() => mannWhitneyBinned([1, 2], [1], 'greater')).toThrow(/bins/)
  })
})

describe('Hodges-Lehmann shift', () => {
  it('exact interval for small samples without ties (R method, brute-force reference)', () => {
    // Brute force: qu = min k with P(U <= k) >= α/2 over all C(15, 5) arrangements (9 at 95%,
    // 12 at 90%); interval = (qu-th smallest, qu-th largest) of the 50 sorted x_i - y_j;
    // estimate = numpy.median of them.
    const r = hodgesLehmann(chorioX, chorioY, 0.95)
    expect(r.method).toBe('exact')
    close(r.estimate, 0.30500000000000005)
    close(r.lower, -0.15000000000000002)
    close(r.upper, 0.7599999999999999)
    close(r.confidence, 0.9600399600399601) // 1 - 2 P(U <= 8)
    const r90 = hodgesLehmann(chorioX, chorioY, 0.9)
    close(r90.lower, -0.07999999999999996)
    close(r90.upper, 0.72)
    close(r90.confidence, 0.9007659007659008)
  })

  it('normal-approximation interval with ties (k-th differences, numpy reference)', () => {
    // numpy: d = sort(subtract.outer(x, y)); σ² = mn/12 (N + 1 - Σ(t³-t)/(N(N-1)));
    // qu = ceil(mn/2 - norm.ppf(1-α/2) σ - 0.5) = 4546 at 95%, 4683 at 90%; (d[qu-1], d[mn-qu]).
    const r = hodgesLehmann(lognormX, lognormY, 0.95)
    expect(r.method).toBe('normal')
    close(r.estimate, 0.18999999999999995, 1e-12)
    close(r.lower, 0.029999999999999805, 1e-12)
    close(r.upper, 0.33999999999999986, 1e-12)
    const r90 = hodgesLehmann(lognormX, lognormY, 0.9)
    close(r90.lower, 0.050000000000000044, 1e-12)
    close(r90.upper, 0.30999999999999994, 1e-12)
    // And the rank test on the same samples: mannwhitneyu(x, y, alternative='greater', method='asymptotic').
    const mw = mannWhitney(lognormX, lognormY, 'greater')
    expect(mw.u).toBe(6408)
    close(mw.pValue, 0.010386125251286467)
  })

  it('binned variant equals the raw one when every value sits in its own bin', () => {
    for (const [x, y] of [
      [chorioX, chorioY],
      [deprX, deprY],
      [lognormX, lognormY],
    ]) {
      const values = [...new Set([...x, ...y])].sort((a, b) => a - b)
      const xc = values.map((v) => x.filter((u) => u === v).length)
      const yc = values.map((v) => y.filter((u) => u === v).length)
      for (const conf of [0.95, 0.9])
        expect(hodgesLehmannBinned(xc, yc, values, conf)).toEqual(hodgesLehmann(x, y, conf))
    }
  })

  it('binned: weights by count products, as the raw sample of repeated representative values', () => {
    const reps = representativeValues()
    const stable = new Array(reps.length).fill(0)
    const canary = new Array(reps.length).fill(0)
    for (let i = 30; i < 50; i++) stable[i] = 1 + (i % 3)
    for (let i = 34; i < 54; i++) canary[i] = 1 + (i % 4) // about four buckets up: twice as slow
    const expand = (counts: number[]) => counts.flatMap((c, i) => new Array(c).fill(reps[i]))
    const binned = hodgesLehmannBinned(canary, stable, reps, 0.95)
    expect(binned).toEqual(hodgesLehmann(expand(canary), expand(stable), 0.95))
    expect(binned.method).toBe('normal') // ties
    expect(binned.lower).toBeGreaterThan(0)
    expect(mannWhitneyBinned(canary, stable, 'greater')).toEqual(mannWhitney(expand(canary), expand(stable), 'greater'))
    // Millions of calls cost no more than a few: the work is over bin pairs.
    const big = hodgesLehmannBinned(
      canary.map((c) => c * 100_000),
      stable.map((c) => c * 100_000),
      reps,
      0.95,
    )
    expect(big.estimate).toBe(binned.estimate)
    expect(big.upper - big.lower).toBeLessThan(binned.upper - binned.lower)
  })
})

describe('error-rate tests', () => {
  it("Fisher's exact test (scipy fisher_exact(table, alternative='greater'))", () => {
    close(fisherGreater(3, 10, 0, 10), 0.10526315789473684, 1e-10) // [[3, 7], [0, 10]]
    close(fisherGreater(30, 1000, 12, 1000), 0.0036439767535842976, 1e-10) // [[30, 970], [12, 988]]
    close(fisherGreater(400, 5000, 200, 5000), 1.412105749538275e-17, 1e-9) // [[400, 4600], [200, 4800]]
    close(fisherGreater(2, 50, 1, 50), 0.49999999999999994, 1e-10) // [[2, 48], [1, 49]]
    close(fisherGreater(1, 5000, 0, 5000), 0.5, 1e-10) // [[1, 4999], [0, 5000]]
    expect(fisherGreater(0, 100, 0, 100)).toBe(1) // [[0, 100], [0, 100]]: 1.0
  })

  it('uses Fisher for small counts and the pooled z-test for large ones, and says which', () => {
    const small = errorRateGreater(30, 1000, 12, 1000)
    expect(small.method).toBe('fisher')
    close(small.pValue, 0.0036439767535842976, 1e-10)
    // z = (a/n1 - b/n2) / sqrt(p(1-p)(1/n1 + 1/n2)), pooled p; p-value = scipy.stats.norm.sf(z).
    const large = errorRateGreater(700, 20_000, 600, 20_000)
    expect(large.method).toBe('z-test')
    close(large.z!, 2.8196995629187596, 1e-12)
    close(large.pValue, 0.0024034315591508447)
    const large2 = errorRateGreater(130, 10_000, 100, 10_000)
    expect(large2.method).toBe('z-test')
    close(large2.z!, 1.989614786521866, 1e-12)
    close(large2.pValue, 0.023316693019580684)
    // Many calls but almost no errors: the normal approximation is poor, Fisher again.
    expect(errorRateGreater(3, 20_000, 0, 20_000).method).toBe('fisher')
    expect(errorRateGreater(0, 20_000, 0, 20_000).pValue).toBe(1)
  })

  it('rejects impossible counts', () => {
    expect(() => errorRateGreater(5, 4, 0, 10)).toThrow(/more errors/)
    expect(() => errorRateGreater(-1, 4, 0, 10)).toThrow(/count/)
  })
})

describe('histogram', () => {
  const empty = () => new Array(LATENCY_BOUNDS_MS.length + 1).fill(0)
  it('percentile is the upper bound of the bucket reaching the nearest rank', () => {
    const h = empty()
    h[40] = 90 // 0.01·2^10 = 10.24 ms
    h[44] = 9 // 20.48 ms
    h[LATENCY_BOUNDS_MS.length] = 1 // overflow
    expect(histogramCount(h)).toBe(100)
    expect(histogramPercentile(h, 0.5)).toBeCloseTo(10.24, 10)
    expect(histogramPercentile(h, 0.9)).toBeCloseTo(10.24, 10) // rank 90: still bucket 40
    expect(histogramPercentile(h, 0.95)).toBeCloseTo(20.48, 10)
    expect(histogramPercentile(h, 0.99)).toBeCloseTo(20.48, 10)
    expect(histogramPercentile(h, 1)).toBeGreaterThan(LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1])
    expect(histogramPercentile(empty(), 0.5)).toBeNull()
    expect(() => histogramPercentile([1, 2], 0.5)).toThrow(/buckets/)
  })
  it('representative values and mean', () => {
    const reps = representativeValues()
    expect(reps).toHaveLength(LATENCY_BOUNDS_MS.length + 1)
    expect(reps[0]).toBeCloseTo(0.005, 12)
    expect(reps[1]).toBeCloseTo(0.01 * 2 ** 0.125, 12)
    expect(reps[97]).toBeCloseTo(LATENCY_BOUNDS_MS[96] * 2 ** 0.25, 6)
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      expect(reps[i]).toBeGreaterThan(LATENCY_BOUNDS_MS[i - 1])
      expect(reps[i]).toBeLessThan(LATENCY_BOUNDS_MS[i])
    }
    const h = empty()
    h[40] = 1
    h[44] = 3
    expect(histogramMean(h)).toBeCloseTo((reps[40] + 3 * reps[44]) / 4, 12)
    expect(histogramMean(empty())).toBeNull()
  })
})

// numpy.random.default_rng(1515): lognormal(0.3, 0.5, 120) and lognormal(0.1, 0.5, 90), rounded to 0.01 (79 ties).
const lognormX = [
  0.9, 1.35, 0.68, 0.88, 2.1, 2.27, 1.47, 1.02, 0.81, 0.82, 1.8, 0.75, 1.0, 0.94, 2.18, 1.14, 0.87, 1.6, 1.49, 1.93,
  1.73, 1.14, 1.22, 1.01, 1.29, 0.3, 4.36, 2.32, 1.3, 1.22, 1.13, 1.15, 1.72, 0.57, 1.59, 1.85, 1.33, 0.84, 0.95, 1.63,
  0.72, 1.87, 1.11, 1.91, 2.1, 2.97, 1.03, 3.44, 1.44, 0.77, 1.34, 1.64, 4.77, 1.15, 1.04, 0.89, 1.16, 1.13, 2.43, 0.6,
  2.63, 1.23, 0.37, 1.47, 1.2, 0.75, 1.89, 0.9, 1.66, 2.97, 1.34, 1.03, 0.93, 1.05, 2.2, 2.49, 1.87, 1.05, 3.33, 1.32,
  1.17, 1.35, 1.5, 1.22, 1.99, 1.49, 0.83, 0.79, 2.43, 1.67, 1.16, 1.3, 1.53, 2.14, 1.34, 3.74, 0.83, 0.66, 1.11, 3.84,
  0.65, 2.52, 3.56, 1.18, 1.39, 0.6, 2.0, 0.49, 1.26, 2.0, 3.18, 3.61, 1.59, 0.55, 1.1, 1.38, 0.9, 1.34, 1.68, 1.43,
]
const lognormY = [
  1.15, 1.22, 0.98, 1.81, 2.19, 1.16, 1.67, 0.62, 0.73, 0.85, 1.61, 0.75, 3.9, 0.63, 0.65, 0.66, 0.83, 0.55, 0.91, 0.88,
  1.6, 0.88, 1.14, 0.66, 0.37, 1.43, 1.13, 0.83, 2.27, 0.98, 2.11, 1.15, 1.6, 1.41, 1.78, 0.84, 0.64, 0.77, 1.6, 0.93,
  1.29, 1.79, 2.29, 0.97, 1.85, 2.12, 1.2, 0.88, 0.35, 2.36, 0.61, 1.8, 3.12, 1.07, 1.09, 1.64, 0.91, 0.64, 1.02, 1.38,
  2.1, 1.86, 0.91, 1.17, 0.74, 0.85, 0.82, 1.05, 0.89, 0.88, 2.68, 1.4, 1.42, 1.61, 1.11, 1.36, 1.2, 0.62, 1.2, 2.48,
  0.89, 1.13, 1.24, 0.46, 1.65, 1.05, 1.77, 0.7, 1.55, 1.71,
]
