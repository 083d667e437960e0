/**
 * The canary judge: compares the canary's calls with the stable version's over the same window
 * (Kayenta-style) and gives each metric a verdict: pass, fail, inconclusive or nodata. NODATA is
 * never a pass. α = 1 - confidence. Rates are in percent, differences of rates in percentage
 * points (pp), durations in milliseconds. Latencies are histograms over LATENCY_BOUNDS_MS
 * (see src/stats/histogram.ts for percentiles and representative values).
 *
 * error-rate  nodata if either version has fewer than minCalls calls. Otherwise the one-sided
 *             test that the canary's rate is higher (Fisher's exact test for small counts, the
 *             pooled z-test for large; src/stats/proportions.ts) gives p, and diff = canary rate
 *             - stable rate. fail if the canary's rate > maxErrorRate, or p < α and diff >
 *             errorTolerance. inconclusive if diff > errorTolerance but p >= α. pass otherwise.
 * latency     all calls' durations. nodata if either histogram holds fewer than minCalls calls.
 *             T = max(latencyFloorMs, latencyTolerance.ms, or latencyTolerance.percent % of the
 *             stable p50). d = Hodges-Lehmann shift canary - stable over the bins'
 *             representative values, with its two-sided CI at `confidence`; p = one-sided
 *             Mann-Whitney (canary slower), bins as ties; δ = Cliff's delta (> 0: canary slower).
 *             fail if p < α and d > T and δ >= effectFloor. inconclusive if d > T and p >= α.
 *             pass otherwise: no shift beyond T, or a shift beyond T that is significant but
 *             negligible (δ < effectFloor); the summary says which.
 *             From averages (a window with processingMs and no histogram: NATS services' stats),
 *             there is no distribution to test: nodata below minCalls, else fail if the canary's
 *             mean - the stable's mean > T (T from the stable's mean), pass otherwise; the
 *             summary says it is a comparison of averages without a test of significance.
 * p95, p99    only when maxP95Ms / maxP99Ms is set. nodata if the canary has fewer than minCalls
 *             calls. fail if the canary's percentile > the max. pass otherwise. A percentile is
 *             the upper bound of its bucket: it may overstate by one bucket (~19%), never understate.
 *
 * overall     fail if any critical metric fails. Else nodata if any critical metric is nodata.
 *             Else pass if every critical metric passes (and there is one); a non-critical
 *             metric never blocks, whatever its outcome, but stays in the verdicts. Else
 *             inconclusive.
 */
import { LATENCY_BOUNDS_MS } from '../host-core/metrics-report.js'
import type { AnalysisThresholds, MetricName } from '../rollout/plan/rollout-plan.js'
import { histogramCount, histogramMean, histogramPercentile, representativeValues } from '../stats/histogram.js'
import { hodgesLehmannBinned } from '../stats/hodges-lehmann.js'
import { mannWhitneyBinned } from '../stats/mann-whitney.js'
import { errorRateGreater } from '../stats/proportions.js'
import { averageLatencyVerdict, averagesOnly, averageMs } from './average-latency.js'
import type { MetricVerdict, Outcome, WindowMetrics } from './window.js'
import { counts, fmtNum, fmtP, ms, pct, signed, signedMs } from './figures.js'

export { averagesOnly }
export type { MetricVerdict, Outcome, WindowMetrics }

export const DEFAULT_THRESHOLDS: AnalysisThresholds = Object.freeze({
  minCalls: 50,
  confidence: 0.95,
  maxErrorRate: 5,
  errorTolerance: 1,
  latencyTolerance: Object.freeze({ percent: 20 }),
  latencyFloorMs: 1,
  effectFloor: 0.2,
  critical: Object.freeze(['error-rate', 'latency', 'p95', 'p99']) as unknown as MetricName[],
}) as AnalysisThresholds

const REPRESENTATIVES = representativeValues(LATENCY_BOUNDS_MS)

export function judge(canary: WindowMetrics, stable: WindowMetrics, t: AnalysisThresholds): MetricVerdict[] {
  checkWindow('canary', canary)
  checkWindow('stable', stable)
  if (!(t.confidence > 0 && t.confidence < 1))
    throw new Error(`confidence must be between 0 and 1, not ${t.confidence}`)
  const verdicts = [errorRateVerdict(canary, stable, t), latencyVerdict(canary, stable, t)]
  if (t.maxP95Ms !== undefined) verdicts.push(percentileVerdict('p95', 0.95, t.maxP95Ms, canary, stable, t))
  if (t.maxP99Ms !== undefined) verdicts.push(percentileVerdict('p99', 0.99, t.maxP99Ms, canary, stable, t))
  return verdicts
}

export function overall(verdicts: MetricVerdict[]): Outcome {
  const critical = verdicts.filter((v) => v.critical)
  if (critical.some((v) => v.outcome === 'fail')) return 'fail'
  if (critical.some((v) => v.outcome === 'nodata')) return 'nodata'
  if (critical.length > 0 && critical.every((v) => v.outcome === 'pass')) return 'pass'
  return 'inconclusive'
}

/** errorRate in percent; percentiles in ms (bucket upper bounds); null when there are no calls. */
export function summarize(w: WindowMetrics): {
  calls: number
  errors: number
  errorRate: number | null
  p50: number | null
  p95: number | null
  p99: number | null
  /** Average latency in ms, where only averages are known (a service's stats). */
  averageMs?: number | null
} {
  checkWindow('window', w)
  return {
    calls: w.calls,
    errors: w.errors,
    errorRate: w.calls > 0 ? (100 * w.errors) / w.calls : null,
    p50: histogramPercentile(w.latency, 0.5),
    p95: histogramPercentile(w.latency, 0.95),
    p99: histogramPercentile(w.latency, 0.99),
    ...(averagesOnly(w) ? { averageMs: averageMs(w) } : {}),
  }
}

function errorRateVerdict(canary: WindowMetrics, stable: WindowMetrics, t: AnalysisThresholds): MetricVerdict {
  const base = { metric: 'error-rate' as const, critical: t.critical.includes('error-rate') }
  const figures: Record<string, number | null> = {
    canaryCalls: canary.calls,
    stableCalls: stable.calls,
    canaryErrors: canary.errors,
    stableErrors: stable.errors,
    canaryRate: canary.calls > 0 ? (100 * canary.errors) / canary.calls : null,
    stableRate: stable.calls > 0 ? (100 * stable.errors) / stable.calls : null,
    difference: null,
    pValue: null,
    alpha: 1 - t.confidence,
    maxErrorRate: t.maxErrorRate,
    errorTolerance: t.errorTolerance,
  }
  if (canary.calls < t.minCalls || stable.calls < t.minCalls) {
    return {
      ...base,
      outcome: 'nodata',
      figures,
      summary: `${counts(canary.calls, stable.calls)}: fewer than ${t.minCalls} -> nodata`,
    }
  }
  const test = errorRateGreater(canary.errors, canary.calls, stable.errors, stable.calls)
  const canaryRate = 100 * test.canaryRate
  const stableRate = 100 * test.stableRate
  const difference = canaryRate - stableRate
  const alpha = 1 - t.confidence
  Object.assign(figures, { difference, pValue: test.pValue })
  let outcome: Outcome
  let why: string
  if (canaryRate > t.maxErrorRate) ((outcome = 'fail'), (why = `above the max ${t.maxErrorRate}%`))
  else if (difference > t.errorTolerance && test.pValue < alpha)
    ((outcome = 'fail'), (why = `more than ${t.errorTolerance} pp above stable, significant`))
  else if (difference > t.errorTolerance)
    ((outcome = 'inconclusive'),
      (why = `more than ${t.errorTolerance} pp above stable, not significant at α=${fmtNum(alpha)}`))
  else ((outcome = 'pass'), (why = `within ${t.errorTolerance} pp of stable, max ${t.maxErrorRate}%`))
  const method = test.method === 'fisher' ? 'Fisher' : 'z-test'
  const summary = `canary error rate ${pct(canaryRate)} (${canary.errors}/${canary.calls}) vs ${pct(stableRate)} (${stable.errors}/${stable.calls}), ${signed(difference, 1)} pp, p=${fmtP(test.pValue)} (${method}) -> ${outcome} (${why})`
  return { ...base, outcome, figures, summary }
}

function latencyVerdict(canary: WindowMetrics, stable: WindowMetrics, t: AnalysisThresholds): MetricVerdict {
  if (averagesOnly(canary) || averagesOnly(stable)) return averageLatencyVerdict(canary, stable, t)
  const base = { metric: 'latency' as const, critical: t.critical.includes('latency') }
  const m = histogramCount(canary.latency)
  const n = histogramCount(stable.latency)
  const canaryP50 = histogramPercentile(canary.latency, 0.5)
  const stableP50 = histogramPercentile(stable.latency, 0.5)
  const figures: Record<string, number | null> = {
    canaryCalls: m,
    stableCalls: n,
    canaryP50,
    stableP50,
    canaryMean: histogramMean(canary.latency),
    stableMean: histogramMean(stable.latency),
    shift: null,
    shiftLower: null,
    shiftUpper: null,
    confidence: t.confidence,
    tolerance: null,
    cliffsDelta: null,
    pValue: null,
    alpha: 1 - t.confidence,
    effectFloor: t.effectFloor,
  }
  if (m < t.minCalls || n < t.minCalls) {
    return {
      ...base,
      outcome: 'nodata',
      figures,
      summary: `canary ${m} calls with a latency, stable ${n}: fewer than ${t.minCalls} -> nodata`,
    }
  }
  const relative =
    'percent' in t.latencyTolerance ? ((stableP50 ?? 0) * t.latencyTolerance.percent) / 100 : t.latencyTolerance.ms
  const tolerance = Math.max(t.latencyFloorMs, relative)
  const hl = hodgesLehmannBinned(canary.latency, stable.latency, REPRESENTATIVES, t.confidence)
  const mw = mannWhitneyBinned(canary.latency, stable.latency, 'greater')
  const alpha = 1 - t.confidence
  const d = hl.estimate
  const delta = mw.cliffsDelta
  const significant = mw.pValue < alpha
  Object.assign(figures, {
    shift: d,
    shiftLower: hl.lower,
    shiftUpper: hl.upper,
    tolerance,
    cliffsDelta: delta,
    pValue: mw.pValue,
  })
  let outcome: Outcome
  let why: string
  if (d > tolerance && significant && delta >= t.effectFloor)
    ((outcome = 'fail'), (why = 'slower beyond the tolerance, significant'))
  else if (d > tolerance && !significant)
    ((outcome = 'inconclusive'), (why = `shift beyond the tolerance, not significant at α=${fmtNum(alpha)}`))
  else if (d > tolerance) ((outcome = 'pass'), (why = `significant but negligible: Cliff's d below ${t.effectFloor}`))
  else if (significant) ((outcome = 'pass'), (why = 'significant but within the tolerance'))
  else ((outcome = 'pass'), (why = 'within the tolerance'))
  const asked =
    'percent' in t.latencyTolerance ? `${t.latencyTolerance.percent}% = ${ms(relative)} ms` : `${ms(relative)} ms`
  const tolText = relative >= t.latencyFloorMs ? asked : `${ms(tolerance)} ms (the floor; ${asked})`
  const summary = `canary p50 ${ms(canaryP50)} ms vs ${ms(stableP50)} ms, shift ${signedMs(d)} ms [${fmtNum(100 * t.confidence)}% CI ${signedMs(hl.lower)}, ${signedMs(hl.upper)}], Cliff's d ${(Math.abs(delta) < 0.005 ? 0 : delta).toFixed(2)}, p=${fmtP(mw.pValue)} -> ${outcome} (${why}; tolerance ${tolText})`
  return { ...base, outcome, figures, summary }
}

function percentileVerdict(
  metric: 'p95' | 'p99',
  q: number,
  max: number,
  canary: WindowMetrics,
  stable: WindowMetrics,
  t: AnalysisThresholds,
): MetricVerdict {
  const base = { metric, critical: t.critical.includes(metric) }
  const m = histogramCount(canary.latency)
  const canaryValue = histogramPercentile(canary.latency, q)
  const stableValue = histogramPercentile(stable.latency, q)
  const figures: Record<string, number | null> = { canaryCalls: m, canary: canaryValue, stable: stableValue, max }
  if (m < t.minCalls || canaryValue === null) {
    return {
      ...base,
      outcome: 'nodata',
      figures,
      summary: `canary ${m} calls with a latency: fewer than ${t.minCalls} -> nodata`,
    }
  }
  const outcome: Outcome = canaryValue > max ? 'fail' : 'pass'
  const summary = `canary ${metric} ${ms(canaryValue)} ms vs ${ms(stableValue)} ms (max ${ms(max)} ms; bucket upper bound, within ~19%) -> ${outcome}`
  return { ...base, outcome, figures, summary }
}

function checkWindow(name: string, w: WindowMetrics): void {
  if (!Array.isArray(w.latency) || w.latency.length !== LATENCY_BOUNDS_MS.length + 1) {
    throw new Error(`${name} latency: ${w.latency?.length} buckets, expected ${LATENCY_BOUNDS_MS.length + 1}`)
  }
  for (const v of [w.calls, w.errors, ...w.latency]) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: counts must be whole numbers >= 0, got ${v}`)
  }
  if (w.errors > w.calls) throw new Error(`${name}: ${w.errors} errors in ${w.calls} calls`)
  if (w.processingMs !== undefined && !(Number.isFinite(w.processingMs) && w.processingMs >= 0))
    throw new Error(`${name}: processing time ${w.processingMs} ms`)
}
