/**
 * One-sided test that the canary's error rate exceeds the stable's: H1 p_canary > p_stable.
 *
 * - Fisher's exact test while counts are small (at most FISHER_MAX_CALLS calls in all, or an
 *   expected cell count below 5, where the normal approximation is poor): the p-value is the
 *   upper tail of the hypergeometric distribution of the canary's errors given both margins
 *   (scipy's fisher_exact(alternative='greater')), summed in log space so that thousands of
 *   calls neither overflow nor underflow.
 * - the pooled two-proportion z-test otherwise: z = (p̂c - p̂s) / √(p̂ (1 - p̂) (1/nc + 1/ns)),
 *   p = P(Z > z).
 */
import { logChoose, normalUpperTail } from './distributions.js'

export const FISHER_MAX_CALLS = 10_000

export interface ProportionTestResult {
  method: 'fisher' | 'z-test'
  pValue: number
  /** The z statistic (z-test only). */
  z: number | null
  canaryRate: number
  stableRate: number
}

export function errorRateGreater(
  canaryErrors: number,
  canaryCalls: number,
  stableErrors: number,
  stableCalls: number,
): ProportionTestResult {
  for (const [name, v] of [
    ['canary errors', canaryErrors],
    ['canary calls', canaryCalls],
    ['stable errors', stableErrors],
    ['stable calls', stableCalls],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`errorRateGreater: ${name} must be a count, not ${v}`)
  }
  if (canaryErrors > canaryCalls || stableErrors > stableCalls)
    throw new Error('errorRateGreater: more errors than calls')
  if (canaryCalls === 0 || stableCalls === 0) throw new Error('errorRateGreater: no calls')
  const canaryRate = canaryErrors / canaryCalls
  const stableRate = stableErrors / stableCalls
  const total = canaryCalls + stableCalls
  const errors = canaryErrors + stableErrors
  const minExpected = (Math.min(errors, total - errors) * Math.min(canaryCalls, stableCalls)) / total
  if (total <= FISHER_MAX_CALLS || minExpected < 5) {
    return {
      method: 'fisher',
      pValue: fisherGreater(canaryErrors, canaryCalls, stableErrors, stableCalls),
      z: null,
      canaryRate,
      stableRate,
    }
  }
  const pooled = errors / total
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / canaryCalls + 1 / stableCalls))
  const z = se === 0 ? 0 : (canaryRate - stableRate) / se
  return { method: 'z-test', pValue: se === 0 ? 1 : normalUpperTail(z), z, canaryRate, stableRate }
}

/**
 * P(X >= a) for X hypergeometric: a population of a + b + c + d calls with a + c errors, of
 * which a + b are drawn (the canary's). Table [[a, b], [c, d]] = [[canary errors, canary ok],
 * [stable errors, stable ok]].
 */
export function fisherGreater(
  canaryErrors: number,
  canaryCalls: number,
  stableErrors: number,
  stableCalls: number,
): number {
  const N = canaryCalls + stableCalls
  const K = canaryErrors + stableErrors
  const n = canaryCalls
  const top = Math.min(K, n)
  const logDenominator = logChoose(N, n)
  const logs: number[] = []
  for (let k = canaryErrors; k <= top; k++) logs.push(logChoose(K, k) + logChoose(N - K, n - k) - logDenominator)
  // Log-sum-exp around the largest term.
  const max = Math.max(...logs)
  let sum = 0
  for (const l of logs) sum += Math.exp(l - max)
  return Math.min(1, Math.exp(max + Math.log(sum)))
}
