/**
 * The sequential error-rate test: may be run after every metrics report of a step, on the
 * cumulative counts, and its chance of a false fail over the whole step stays ≤ α however often
 * it looks, however many calls each report adds and however unequal the traffic split.
 *
 * Method: the mixture-likelihood-ratio e-process of sequential-proportions.ts for Δ = canary
 * rate - stable rate, with the stable rate a nuisance fitted by the null's best fit. Why this one:
 * it is exact for Bernoulli calls at any sample size (no normal approximation, which fails for
 * rare errors and the few canary calls of the first seconds), it needs only the cumulative
 * counts (so a lost report costs nothing: the next one carries the calls), and it allows any
 * allocation between the arms, even a changing one. A normal-mixture confidence sequence
 * (Howard et al. 2021) would need a variance bound (1/4 per call for Bernoulli, 25 times the
 * real variance at a 1% rate) or an empirical-variance correction that is asymptotic.
 *
 * Verdicts, at level α (one confidence sequence, so the two errors together stay ≤ α):
 *   fail      the lower bound of Δ exceeds the tolerance δ (e-value for "Δ ≤ δ" ≥ 1/α), or, with
 *             maxErrorRate set, the canary's rate is shown above it (e-value ≥ 1/α' on that arm).
 *   pass      the upper bound of Δ is below δ and, with maxErrorRate set, the canary's rate is
 *             shown below it: the canary is no worse than the tolerance (for --early-promote).
 *   continue  otherwise.
 * With maxErrorRate set, α is split: MAX_RATE_ALPHA_SHARE of it for the ceiling, the rest for Δ.
 * Rates are in percent, differences in percentage points (pp), as in src/analysis/judge.ts.
 */
import {
  checkCounts,
  differenceInterval,
  logDifferenceEvidence,
  logRateEvidence,
  observedDifference,
  type TwoArmCounts,
} from './sequential-proportions.js'

export type SequentialOutcome = 'fail' | 'pass' | 'continue'

export interface SequentialVerdict {
  verdict: SequentialOutcome
  /** Anytime-valid bounds on the difference (canary - stable), in pp. */
  lower: number
  upper: number
  /** ln of the e-value behind the verdict (for continue: against the tolerance, on the side the data lean). */
  logEvidence: number
  reason: string
}

export interface ErrorRateSequentialOptions {
  alpha: number
  tolerancePp: number
  /** Percent; an absolute ceiling on the canary's rate. */
  maxErrorRate?: number
}

export const MAX_RATE_ALPHA_SHARE = 0.2

const differenceAlpha = (o: ErrorRateSequentialOptions) =>
  o.maxErrorRate === undefined ? o.alpha : o.alpha * (1 - MAX_RATE_ALPHA_SHARE)

/** The decision alone (no bounds): what errorRateSequential decides, cheap enough for simulations. */
export function errorRateDecision(
  counts: TwoArmCounts,
  o: ErrorRateSequentialOptions,
): { verdict: SequentialOutcome; logEvidence: number; why: 'difference' | 'ceiling' | null } {
  checkCounts(counts)
  if (!(o.alpha > 0 && o.alpha < 1)) throw new Error(`alpha must be between 0 and 1, not ${o.alpha}`)
  const alphaDiff = differenceAlpha(o)
  const delta = o.tolerancePp / 100
  const worse = observedDifference(counts) > delta
  const logDiff = logDifferenceEvidence(counts, delta)
  if (worse && logDiff >= Math.log(1 / alphaDiff)) return { verdict: 'fail', logEvidence: logDiff, why: 'difference' }
  let ceilingShownBelow = true
  if (o.maxErrorRate !== undefined) {
    const ceiling = o.maxErrorRate / 100
    const threshold = Math.log(1 / (o.alpha * MAX_RATE_ALPHA_SHARE))
    const { canaryErrors: x, canaryCalls: n } = counts
    const rate = n === 0 ? 0 : x / n
    const above = logRateEvidence(x, n, ceiling, 'above')
    if (rate > ceiling && above >= threshold) return { verdict: 'fail', logEvidence: above, why: 'ceiling' }
    ceilingShownBelow = rate < ceiling && logRateEvidence(x, n, ceiling, 'below') >= threshold
  }
  const passDiff = !worse && logDiff >= Math.log(1 / alphaDiff)
  if (passDiff && ceilingShownBelow) return { verdict: 'pass', logEvidence: logDiff, why: null }
  return { verdict: 'continue', logEvidence: logDiff, why: null }
}

/** The test after one report: verdict, anytime-valid bounds on Δ in pp, evidence and a one-line reason. */
export function errorRateSequential(counts: TwoArmCounts, o: ErrorRateSequentialOptions): SequentialVerdict {
  const decision = errorRateDecision(counts, o)
  const alphaDiff = differenceAlpha(o)
  const { lower, upper } = differenceInterval(counts, alphaDiff)
  const pp = (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} pp`
  const rate = (x: number, n: number) => (n === 0 ? '-' : `${((100 * x) / n).toFixed(2)}%`)
  const seen = `canary ${rate(counts.canaryErrors, counts.canaryCalls)} of ${counts.canaryCalls} calls vs ${rate(counts.stableErrors, counts.stableCalls)} of ${counts.stableCalls}`
  const bounds = `difference in [${pp(lower)}, ${pp(upper)}] at ${(100 * (1 - alphaDiff)).toFixed(1)}% anytime-valid`
  const e = `e-value ${Math.exp(Math.min(decision.logEvidence, 700)).toPrecision(3)}`
  const reason =
    decision.verdict === 'fail' && decision.why === 'ceiling'
      ? `canary rate shown above ${o.maxErrorRate}% (${e}); ${seen}`
      : decision.verdict === 'fail'
        ? `canary worse by more than ${o.tolerancePp} pp (${e}); ${seen}; ${bounds}`
        : decision.verdict === 'pass'
          ? `canary no worse than ${o.tolerancePp} pp (${e}); ${seen}; ${bounds}`
          : `not yet conclusive; ${seen}; ${bounds}`
  return {
    verdict: decision.verdict,
    lower: 100 * lower,
    upper: 100 * upper,
    logEvidence: decision.logEvidence,
    reason,
  }
}

/** Kullback-Leibler divergence KL(Bern(p) ‖ Bern(q)) in nats. */
export function bernoulliKl(p: number, q: number): number {
  const term = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(a / b))
  return term(p, q) + term(1 - p, 1 - q)
}

/**
 * The statistical minimum: ln(1/α) / KL, Wald's expected sample size of the sequential
 * probability-ratio test between two simple hypotheses, which by Wald-Wolfowitz no test at
 * level α beats on average. For the error rate: the canary calls an oracle knowing the stable
 * rate needs to tell a canary at `canaryRate` from one at stable + tolerance (rates in percent).
 */
export function minimumCalls(alpha: number, klPerCall: number): number {
  return klPerCall > 0 ? Math.log(1 / alpha) / klPerCall : Number.POSITIVE_INFINITY
}

export function errorRateMinimumCalls(
  rates: { canaryRate: number; stableRate: number },
  o: { alpha: number; tolerancePp: number },
): number {
  const nullRate = Math.min(1, (rates.stableRate + o.tolerancePp) / 100)
  const canary = rates.canaryRate / 100
  return canary > nullRate ? minimumCalls(o.alpha, bernoulliKl(canary, nullRate)) : Number.POSITIVE_INFINITY
}

/**
 * The canary calls this test needs (its own boundary, not the oracle's): the fewest canary calls
 * at which the expected counts, rounded, give a fail (rates in percent; the canary takes `weight`
 * of the calls). Time to protect over (this / the canary's call rate) measures what reporting and
 * acting add. Infinity beyond 10 million canary calls.
 */
export function errorRateCallsNeeded(
  rates: { canaryRate: number; stableRate: number; weight: number },
  o: ErrorRateSequentialOptions,
): number {
  const fails = (nc: number) => {
    const ns = Math.round((nc * (1 - rates.weight)) / rates.weight)
    const counts = {
      canaryCalls: nc,
      canaryErrors: Math.round((nc * rates.canaryRate) / 100),
      stableCalls: ns,
      stableErrors: Math.round((ns * rates.stableRate) / 100),
    }
    return errorRateDecision(counts, o).verdict === 'fail'
  }
  let hi = 1
  while (!fails(hi)) {
    if (hi > 1e7) return Number.POSITIVE_INFINITY
    hi *= 2
  }
  // Rounded counts are not monotone (23 calls with 5 errors may fail where 24 do not): scan.
  for (let nc = 1; nc < hi; nc++) if (fails(nc)) return nc
  return hi
}
