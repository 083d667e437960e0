/**
 * Anytime-valid inference on the difference of two Bernoulli rates, Δ = θc - θs (canary minus
 * stable), from cumulative counts alone. The building block of the sequential judge
 * (sequential-error-rate.ts, sequential-latency.ts).
 *
 * The e-process for the composite null "Δ = d" (any stable rate) is a mixture likelihood ratio
 * over the null's best fit:
 *
 *   E_n(d) = KT(xc, nc) · KT(xs, ns) / sup{ Lc(θc) Ls(θs) : θc - θs = d }
 *
 * KT is the Krichevsky-Trofimov mixture, the binomial likelihood averaged over θ ~ Beta(1/2, 1/2):
 * B(x + 1/2, n - x + 1/2) / B(1/2, 1/2). For the true (θc, θs) the denominator is at least the true
 * likelihood, so E_n(d) ≤ KT·KT / L(θc, θs), a nonnegative martingale with mean 1 over the calls
 * one by one, whatever the order of calls and whichever arm each call goes to (the traffic split
 * may be unequal and change). Ville's inequality: P(∃n: E_n(Δ) ≥ 1/α) ≤ α. This is universal
 * inference (Wasserman, Ramdas & Balakrishnan, PNAS 2020) with a mixture numerator, i.e. the
 * mixture sequential likelihood-ratio test (Robbins 1970; Johari et al. 2022; Lindon et al. 2022)
 * made valid for a nuisance rate. Both factors depend on (nc, xc, ns, xs) only, so a look after
 * any report, of any size, is a look at some n of that martingale: the guarantee covers every
 * look at once. Nothing is asymptotic: it holds at 3 calls as at 3 million.
 *
 * The confidence sequence CS_n = { d : E_n(d) < 1/α } is an interval (the profile log-likelihood
 * is concave in d) that holds the true Δ at every n at once with probability ≥ 1 - α.
 */
import { logFactorial } from './distributions.js'

export interface TwoArmCounts {
  canaryCalls: number
  canaryErrors: number
  stableCalls: number
  stableErrors: number
}

/** ln Γ(k + 1/2) for an integer k >= 0: (2k)! √π / (4^k k!). */
function logGammaHalf(k: number): number {
  return logFactorial(2 * k) - k * Math.log(4) - logFactorial(k) + 0.5 * Math.log(Math.PI)
}

/** ln KT(x, n): the log of the binomial likelihood of x in n averaged over θ ~ Beta(1/2, 1/2). */
export function logKtMixture(x: number, n: number): number {
  return logGammaHalf(x) + logGammaHalf(n - x) - logFactorial(n) - Math.log(Math.PI)
}

/** x ln θ + (n - x) ln(1 - θ), with 0 ln 0 = 0. */
export function logBinomialLikelihood(x: number, n: number, theta: number): number {
  const a = x === 0 ? 0 : x * Math.log(theta)
  const b = n - x === 0 ? 0 : (n - x) * Math.log(1 - theta)
  return a + b
}

const ratio = (count: number, value: number) => (count === 0 ? 0 : count / value)

/** max over θs of ln Lc(θs + d) + ln Ls(θs): concave in θs, so bisection on its derivative. */
export function logProfileLikelihood(c: TwoArmCounts, d: number): number {
  const { canaryCalls: nc, canaryErrors: xc, stableCalls: ns, stableErrors: xs } = c
  let lo = Math.max(0, -d)
  let hi = Math.min(1, 1 - d)
  const slope = (t: number) => ratio(xc, t + d) - ratio(nc - xc, 1 - t - d) + ratio(xs, t) - ratio(ns - xs, 1 - t)
  for (let i = 0; i < 60 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2
    if (slope(mid) > 0) lo = mid
    else hi = mid
  }
  const t = (lo + hi) / 2
  return logBinomialLikelihood(xc, nc, t + d) + logBinomialLikelihood(xs, ns, t)
}

/** ln E_n(d) as defined above. */
export function logDifferenceEvidence(c: TwoArmCounts, d: number): number {
  checkCounts(c)
  return (
    logKtMixture(c.canaryErrors, c.canaryCalls) +
    logKtMixture(c.stableErrors, c.stableCalls) -
    logProfileLikelihood(c, d)
  )
}

/** The observed difference of rates; 0 for an arm without calls. */
export function observedDifference(c: TwoArmCounts): number {
  const rate = (x: number, n: number) => (n === 0 ? 0 : x / n)
  return rate(c.canaryErrors, c.canaryCalls) - rate(c.stableErrors, c.stableCalls)
}

/** The confidence sequence's interval for Δ at this n, level 1 - α: ends found by bisection (to 1e-9). */
export function differenceInterval(c: TwoArmCounts, alpha: number): { lower: number; upper: number } {
  checkCounts(c)
  const threshold = Math.log(1 / alpha)
  const mix = logKtMixture(c.canaryErrors, c.canaryCalls) + logKtMixture(c.stableErrors, c.stableCalls)
  const outside = (d: number) => mix - logProfileLikelihood(c, d) >= threshold
  const centre = observedDifference(c)
  const edge = (far: number) => {
    if (!outside(far)) return far
    let inside = centre
    let out = far
    while (Math.abs(out - inside) > 1e-9) {
      const mid = (inside + out) / 2
      if (outside(mid)) out = mid
      else inside = mid
    }
    return inside
  }
  return { lower: edge(-1), upper: edge(1) }
}

/** ln of the one-arm e-value against "θ ≤ bound" (side 'above') or "θ ≥ bound" (side 'below'). */
export function logRateEvidence(x: number, n: number, bound: number, side: 'above' | 'below'): number {
  const rate = n === 0 ? 0 : x / n
  const fit = side === 'above' ? Math.min(rate, bound) : Math.max(rate, bound)
  return logKtMixture(x, n) - logBinomialLikelihood(x, n, fit)
}

export function checkCounts(c: TwoArmCounts): void {
  for (const [name, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`sequential test: ${name} must be a count, not ${v}`)
  }
  if (c.canaryErrors > c.canaryCalls || c.stableErrors > c.stableCalls)
    throw new Error('sequential test: more errors than calls')
}
