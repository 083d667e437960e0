/** What the judges read (each version's calls over a window) and what they give (a verdict per metric). */
import type { MetricName } from '../rollout/plan/rollout-plan.js'

export interface WindowMetrics {
  calls: number
  errors: number
  /** Dense histogram, length LATENCY_BOUNDS_MS.length + 1 (the last is overflow). */
  latency: number[]
  /**
   * Total processing time of the window's calls in ms, where only totals are known (a NATS
   * service's stats; the histogram is then empty): latency is judged from averages.
   */
  processingMs?: number
}
export type Outcome = 'pass' | 'fail' | 'inconclusive' | 'nodata'

export interface MetricVerdict {
  metric: MetricName
  outcome: Outcome
  critical: boolean
  /** One line with the figures, e.g. "canary p50 1.2 ms vs 1.1 ms, shift +0.1 ms [95% CI -0.0, +0.2], ...". */
  summary: string
  figures: Record<string, number | null>
}
