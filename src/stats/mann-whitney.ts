/**
 * Mann-Whitney U (Wilcoxon rank-sum) test of two samples x (the canary) and y (the stable).
 *
 *   U = #{(i, j): x_i > y_j} + ½ #{(i, j): x_i = y_j}     (R's W, scipy's U1: ties count half)
 *
 * The p-value follows R's wilcox.test: exact (the null distribution of U, counted) when both
 * samples have fewer than 50 values and no value occurs twice in the pooled sample; otherwise
 * the normal approximation with the tie correction of the variance and a continuity correction
 * of ½. Both forms share one core over "groups": the distinct values in ascending order with
 * how many of each sample took them. A raw sample makes one group per distinct value; a
 * histogram makes one group per bin (calls in one bin are ties). With that, the binned variant
 * is exactly the raw one whenever every value sits in a bin of its own.
 *
 * Effect sizes: the common-language effect A = P(X > Y) + ½ P(X = Y) = U / (m n) and Cliff's
 * delta = P(X > Y) - P(X < Y) = 2A - 1 (positive: x tends larger).
 */
import { normalCdf, normalUpperTail } from './distributions.js'

export type Alternative = 'greater' | 'less' | 'two-sided'

export interface MannWhitneyResult {
  /** U of x, as defined above. */
  u: number
  pValue: number
  method: 'exact' | 'normal'
  /** Standardized statistic of the normal approximation (with the continuity correction); null when exact. */
  z: number | null
  /** A = P(X > Y) + ½ P(X = Y). */
  commonLanguage: number
  cliffsDelta: number
  m: number
  n: number
}

/** The exact test is used below this many values in each sample (R: n.x < 50 && n.y < 50). */
export const EXACT_LIMIT = 50

/** One distinct value (or bin): how many of x and of y took it. Groups are in ascending order. */
export interface RankGroup {
  x: number
  y: number
}

export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = 'two-sided',
): MannWhitneyResult {
  return mannWhitneyGroups(groupSamples(x, y).groups, alternative)
}

/**
 * The same test on two histograms over the same ordered bins: `xCounts[i]` and `yCounts[i]`
 * calls fell in bin i. Values within one bin are ties.
 */
export function mannWhitneyBinned(
  xCounts: readonly number[],
  yCounts: readonly number[],
  alternative: Alternative = 'two-sided',
): MannWhitneyResult {
  if (xCounts.length !== yCounts.length)
    throw new Error(`mannWhitneyBinned: ${xCounts.length} bins against ${yCounts.length}`)
  const groups: RankGroup[] = []
  for (let i = 0; i < xCounts.length; i++) {
    if (xCounts[i] > 0 || yCounts[i] > 0) groups.push({ x: xCounts[i], y: yCounts[i] })
  }
  return mannWhitneyGroups(groups, alternative)
}

/** Distinct values of x and y pooled, ascending, with counts per sample. */
export function groupSamples(x: readonly number[], y: readonly number[]): { values: number[]; groups: RankGroup[] } {
  for (const v of [...x, ...y]) if (!Number.isFinite(v)) throw new Error(`mannWhitney: not a finite number: ${v}`)
  const tagged = [...x.map((v) => [v, 0] as const), ...y.map((v) => [v, 1] as const)].sort((a, b) => a[0] - b[0])
  const values: number[] = []
  const groups: RankGroup[] = []
  for (const [v, which] of tagged) {
    if (values.length === 0 || values[values.length - 1] !== v) {
      values.push(v)
      groups.push({ x: 0, y: 0 })
    }
    const g = groups[groups.length - 1]
    if (which === 0) g.x++
    else g.y++
  }
  return { values, groups }
}

export function mannWhitneyGroups(groups: readonly RankGroup[], alternative: Alternative): MannWhitneyResult {
  let m = 0
  let n = 0
  for (const g of groups) {
    m += g.x
    n += g.y
  }
  if (m === 0 || n === 0) throw new Error(`mannWhitney: empty sample (${m} against ${n} values)`)
  // U = Σ over groups of x-count × (y values below + ½ y values in the group).
  let u = 0
  let yBelow = 0
  let tieSum = 0 // Σ (t³ - t) over groups of t tied values
  let ties = false
  for (const g of groups) {
    u += g.x * (yBelow + g.y / 2)
    yBelow += g.y
    const t = g.x + g.y
    tieSum += t * t * t - t
    if (t > 1) ties = true
  }
  const mn = m * n
  const commonLanguage = u / mn
  const base = { u, commonLanguage, cliffsDelta: 2 * commonLanguage - 1, m, n }

  if (m < EXACT_LIMIT && n < EXACT_LIMIT && !ties) {
    const cdf = exactUCdf(m, n)
    const lowerTail = cdf[u] // P(U <= u)
    const upperTail = cdf[mn - u] // P(U >= u) = P(U <= mn - u): the null distribution is symmetric
    let pValue: number
    if (alternative === 'greater') pValue = upperTail
    else if (alternative === 'less') pValue = lowerTail
    else pValue = Math.min(1, 2 * (u > mn / 2 ? upperTail : lowerTail))
    return { ...base, pValue, method: 'exact', z: null }
  }

  const N = m + n
  const sigma = Math.sqrt((mn / 12) * (N + 1 - tieSum / (N * (N - 1))))
  const centred = u - mn / 2
  if (sigma === 0) return { ...base, pValue: 1, method: 'normal', z: 0 } // every value tied: no evidence either way
  const correction = alternative === 'greater' ? 0.5 : alternative === 'less' ? -0.5 : Math.sign(centred) * 0.5
  const z = (centred - correction) / sigma
  let pValue: number
  if (alternative === 'greater') pValue = normalUpperTail(z)
  else if (alternative === 'less') pValue = normalCdf(z)
  else pValue = Math.min(1, 2 * Math.min(normalCdf(z), normalUpperTail(z)))
  return { ...base, pValue, method: 'normal', z }
}

const cdfCache = new Map<string, Float64Array>()

/**
 * P(U <= k) for k = 0..m n under the null hypothesis, with no ties: counts c(m, n, k) of the
 * arrangements with U = k follow c(m, n, k) = c(m - 1, n, k - n) + c(m, n - 1, k) (the largest
 * value is an x, beating all n y's, or a y), then divided by C(m + n, m). All additions, so the
 * counts (below C(98, 49) ≈ 2.5e28) keep full relative precision in doubles.
 */
export function exactUCdf(m: number, n: number): Float64Array {
  const key = `${m},${n}`
  const cached = cdfCache.get(key)
  if (cached) return cached
  // prev[j] = counts for (i - 1, j); cur[j] for (i, j); each of length i j + 1.
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => Float64Array.of(1)) // i = 0: one arrangement, U = 0
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)] // j = 0: U = 0
    for (let j = 1; j <= n; j++) {
      const c = new Float64Array(i * j + 1)
      const left = cur[j - 1] // (i, j - 1): the largest is a y
      for (let k = 0; k < left.length; k++) c[k] += left[k]
      const up = prev[j] // (i - 1, j): the largest is an x, adding j
      for (let k = 0; k < up.length; k++) c[k + j] += up[k]
      cur.push(c)
    }
    prev = cur
  }
  const counts = prev[n]
  let total = 0
  for (const c of counts) total += c
  const cdf = new Float64Array(counts.length)
  let acc = 0
  for (let k = 0; k < counts.length; k++) {
    acc += counts[k]
    cdf[k] = Math.min(1, acc / total)
  }
  if (cdfCache.size > 64) cdfCache.clear()
  cdfCache.set(key, cdf)
  return cdf
}

/** R's qwilcox: the smallest k with P(U <= k) >= p. */
export function exactUQuantile(p: number, m: number, n: number): number {
  const cdf = exactUCdf(m, n)
  // A hair of slack so that a p equal to a cdf value up to rounding picks that value (as R does).
  for (let k = 0; k < cdf.length; k++) if (cdf[k] >= p * (1 - 64 * Number.EPSILON)) return k
  return cdf.length - 1
}
