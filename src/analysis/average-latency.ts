/**
 * Latency from averages: a NATS service's stats give each version's total processing time, not
 * a distribution, so there is nothing to test for significance; the canary's mean is compared
 * with the stable's against the same tolerance as a shift of the median (docs/analysis.md).
 */
import type { AnalysisThresholds } from '../rollout/plan/rollout-plan.js'
import { histogramCount } from '../stats/histogram.js'
import { counts, ms, signedMs } from './figures.js'
import type { MetricVerdict, Outcome, WindowMetrics } from './window.js'

/** The window's latency is only a total (averages), not a distribution. */
export const averagesOnly = (w: WindowMetrics) => w.processingMs !== undefined && histogramCount(w.latency) === 0

/** Average processing time in ms, or null without calls. */
export const averageMs = (w: WindowMetrics) =>
  w.calls > 0 && w.processingMs !== undefined ? w.processingMs / w.calls : null

/** Latency from averages: no test of significance is possible, only the difference against the tolerance. */
export function averageLatencyVerdict(
  canary: WindowMetrics,
  stable: WindowMetrics,
  t: AnalysisThresholds,
): MetricVerdict {
  const base = { metric: 'latency' as const, critical: t.critical.includes('latency') }
  const [c, s] = [averageMs(canary), averageMs(stable)]
  const figures: Record<string, number | null> = {
    canaryCalls: canary.calls,
    stableCalls: stable.calls,
    canaryMean: c,
    stableMean: s,
    shift: null,
    tolerance: null,
    averagesOnly: 1,
  }
  if (canary.calls < t.minCalls || stable.calls < t.minCalls || c === null || s === null)
    return {
      ...base,
      outcome: 'nodata',
      figures,
      summary: `${counts(canary.calls, stable.calls)}: fewer than ${t.minCalls} -> nodata`,
    }
  const relative = 'percent' in t.latencyTolerance ? (s * t.latencyTolerance.percent) / 100 : t.latencyTolerance.ms
  const tolerance = Math.max(t.latencyFloorMs, relative)
  const shift = c - s
  Object.assign(figures, { shift, tolerance })
  const outcome: Outcome = shift > tolerance ? 'fail' : 'pass'
  const why = shift > tolerance ? 'slower beyond the tolerance' : 'within the tolerance'
  return {
    ...base,
    outcome,
    figures,
    summary: `canary average ${ms(c)} ms vs ${ms(s)} ms, ${signedMs(shift)} ms (averages from the services' stats: no test of significance) -> ${outcome} (${why}; tolerance ${ms(tolerance)} ms)`,
  }
}
