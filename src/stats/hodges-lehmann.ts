/**
 * Hodges-Lehmann estimate of the shift between two samples, x - y (the canary minus the stable):
 * the median of the m n pairwise differences x_i - y_j, with a confidence interval made of two
 * of those differences, ordered: the qu-th smallest and the qu-th largest.
 *
 * - exact (both samples below 50 values, no ties; as R's wilcox.test(conf.int = TRUE)):
 *   qu = qwilcox(α/2, m, n), at least 1; the interval covers with probability 1 - 2 P(U <= qu - 1).
 * - otherwise, the normal approximation of the same quantile, continuity-corrected and with the
 *   tie-corrected variance: qu = ⌈m n/2 - z(1-α/2) σ - ½⌉. (R instead inverts the corrected
 *   statistic numerically; the two agree to within a difference or so.)
 *
 * The binned variant takes counts over ordered bins and a representative value per bin; the
 * differences are then over bin pairs, weighted by the product of their counts: at most
 * bins² pairs, whatever the number of calls.
 */
import { exactUCdf, exactUQuantile, EXACT_LIMIT, groupSamples } from './mann-whitney.js'
import { normalQuantile } from './distributions.js'

export interface HodgesLehmannResult {
  estimate: number
  lower: number
  upper: number
  /** The coverage the interval really has (exact: discrete, at least the one asked for). */
  confidence: number
  method: 'exact' | 'normal'
  m: number
  n: number
}

interface Weighted {
  values: number[]
  counts: number[]
}

export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence = 0.95): HodgesLehmannResult {
  const { values, groups } = groupSamples(x, y)
  const xs: Weighted = { values: [], counts: [] }
  const ys: Weighted = { values: [], counts: [] }
  let tieSum = 0
  groups.forEach((g, i) => {
    if (g.x > 0) (xs.values.push(values[i]), xs.counts.push(g.x))
    if (g.y > 0) (ys.values.push(values[i]), ys.counts.push(g.y))
    const t = g.x + g.y
    tieSum += t * t * t - t
  })
  return hodgesLehmannCore(xs, ys, tieSum, confidence)
}

/** `xCounts[i]`, `yCounts[i]`: calls in bin i, whose representative value is `values[i]`. */
export function hodgesLehmannBinned(
  xCounts: readonly number[],
  yCounts: readonly number[],
  values: readonly number[],
  confidence = 0.95,
): HodgesLehmannResult {
  if (xCounts.length !== yCounts.length || xCounts.length !== values.length) {
    throw new Error(`hodgesLehmannBinned: ${xCounts.length} and ${yCounts.length} counts for ${values.length} bins`)
  }
  const xs: Weighted = { values: [], counts: [] }
  const ys: Weighted = { values: [], counts: [] }
  let tieSum = 0
  for (let i = 0; i < values.length; i++) {
    if (xCounts[i] > 0) (xs.values.push(values[i]), xs.counts.push(xCounts[i]))
    if (yCounts[i] > 0) (ys.values.push(values[i]), ys.counts.push(yCounts[i]))
    const t = xCounts[i] + yCounts[i]
    tieSum += t * t * t - t
  }
  return hodgesLehmannCore(xs, ys, tieSum, confidence)
}

function hodgesLehmannCore(xs: Weighted, ys: Weighted, tieSum: number, confidence: number): HodgesLehmannResult {
  if (!(confidence > 0 && confidence < 1))
    throw new Error(`hodgesLehmann: confidence must be between 0 and 1, not ${confidence}`)
  const m = xs.counts.reduce((a, b) => a + b, 0)
  const n = ys.counts.reduce((a, b) => a + b, 0)
  if (m === 0 || n === 0) throw new Error(`hodgesLehmann: empty sample (${m} against ${n} values)`)

  // Every distinct difference once, with the number of pairs giving it; sorted.
  const diffs: number[] = []
  const weights: number[] = []
  for (let i = 0; i < xs.values.length; i++) {
    for (let j = 0; j < ys.values.length; j++) {
      diffs.push(xs.values[i] - ys.values[j])
      weights.push(xs.counts[i] * ys.counts[j])
    }
  }
  const order = Array.from(diffs.keys()).sort((a, b) => diffs[a] - diffs[b])
  const cumulative: number[] = []
  let acc = 0
  for (const k of order) cumulative.push((acc += weights[k]))
  /** The k-th smallest difference, k from 1 to m n. */
  const kth = (k: number): number => {
    let lo = 0
    let hi = order.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid] >= k) hi = mid
      else lo = mid + 1
    }
    return diffs[order[lo]]
  }

  const mn = m * n
  const estimate = mn % 2 === 1 ? kth((mn + 1) / 2) : (kth(mn / 2) + kth(mn / 2 + 1)) / 2
  const alpha = 1 - confidence
  const ties = tieSum > 0
  let qu: number
  let achieved: number
  let method: 'exact' | 'normal'
  if (m < EXACT_LIMIT && n < EXACT_LIMIT && !ties) {
    method = 'exact'
    qu = Math.max(1, exactUQuantile(alpha / 2, m, n))
    achieved = 1 - 2 * (qu >= 1 ? exactUCdf(m, n)[qu - 1] : 0)
  } else {
    method = 'normal'
    const N = m + n
    const sigma = Math.sqrt((mn / 12) * (N + 1 - tieSum / (N * (N - 1))))
    qu = Math.min(Math.ceil(mn / 2), Math.max(1, Math.ceil(mn / 2 - normalQuantile(1 - alpha / 2) * sigma - 0.5)))
    achieved = confidence
  }
  return { estimate, lower: kth(qu), upper: kth(mn - qu + 1), confidence: achieved, method, m, n }
}
