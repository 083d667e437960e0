/**
 * Pearson's chi-square goodness-of-fit test: does an observed split (counts per version) match
 * the configured weights? The p-value is the upper tail of the chi-square distribution,
 * Q(k/2, x/2), the regularized upper incomplete gamma function (series for small x, Lentz's
 * continued fraction otherwise, as in Numerical Recipes §6.2).
 */

export interface ChiSquareResult {
  statistic: number
  degreesOfFreedom: number
  pValue: number
}

/** `observed[i]` against `expectedShare[i]` (any positive scale; normalized here). */
export function chiSquareTest(observed: number[], expectedShare: number[]): ChiSquareResult {
  const total = observed.reduce((a, b) => a + b, 0)
  const shareTotal = expectedShare.reduce((a, b) => a + b, 0)
  let statistic = 0
  for (let i = 0; i < observed.length; i++) {
    const expected = (total * expectedShare[i]) / shareTotal
    // A version expected to get nothing that got something cannot be explained by chance.
    if (expected === 0) statistic += observed[i] > 0 ? Number.POSITIVE_INFINITY : 0
    else statistic += (observed[i] - expected) ** 2 / expected
  }
  const degreesOfFreedom = Math.max(1, observed.length - 1)
  return { statistic, degreesOfFreedom, pValue: chiSquareUpperTail(statistic, degreesOfFreedom) }
}

export function chiSquareUpperTail(x: number, k: number): number {
  if (!Number.isFinite(x)) return 0
  if (x <= 0) return 1
  return regularizedGammaQ(k / 2, x / 2)
}

function regularizedGammaQ(a: number, x: number): number {
  if (x < a + 1) return 1 - gammaSeries(a, x)
  return gammaContinuedFraction(a, x)
}

const EPS = 1e-14
const MAX_ITER = 1000

function gammaSeries(a: number, x: number): number {
  let sum = 1 / a
  let term = sum
  for (let n = 1; n < MAX_ITER; n++) {
    term *= x / (a + n)
    sum += term
    if (Math.abs(term) < Math.abs(sum) * EPS) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

function gammaContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < EPS) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

/** ln Γ(z), Lanczos approximation (g = 7, n = 9). */
function logGamma(z: number): number {
  const g = 7
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61503916999185,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z)
  const zz = z - 1
  let x = c[0]
  for (let i = 1; i < g + 2; i++) x += c[i] / (zz + i)
  const t = zz + g + 0.5
  return 0.5 * Math.log(2 * Math.PI) + (zz + 0.5) * Math.log(t) - t + Math.log(x)
}
