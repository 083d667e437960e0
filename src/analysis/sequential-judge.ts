/**
 * The sequential judge of a step (--analysis-judge sequential): looks at the canary's and the
 * stable's calls since the step started, after every report, with the anytime-valid tests of
 * src/stats/sequential-*.ts, so looking often does not add false fails. α = 1 - confidence,
 * split equally between the critical metrics it watches (error-rate, latency: α/2 each).
 *
 * error-rate  errorRateSequential on the cumulative counts (tolerance errorTolerance, ceiling
 *             maxErrorRate). nodata while either version has no call.
 * latency     latencySequential on the calls after a freeze: the threshold (the stable's median)
 *             and the tolerance are frozen at the first look where the stable has minCalls calls
 *             with a latency; nodata before. A counter that went down (a host restarted) freezes again.
 *             From averages only (a NATS service's stats) there is no anytime-valid test: it stays
 *             inconclusive until the end of the step, where the fixed comparison of averages decides.
 * p95, p99    limits, not tests: when set and critical they are checked at the end of the step
 *             (conclude), and until then stay inconclusive (so no early pass).
 *
 * The end of the step (conclude) is this test's last look, so that over the whole step only this
 * test can fail the canary (false Fail ≤ α). What it has not decided by then is settled as the
 * fixed judge would, except that a fixed-sample Fail becomes Inconclusive: it looks worse but
 * was not shown, so the rollout holds for a person (--analysis-inconclusive-limit).
 */
import type { AnalysisThresholds, MetricName } from '../rollout/plan/rollout-plan.js'
import { histogramCount } from '../stats/histogram.js'
import { type SequentialVerdict, errorRateSequential } from '../stats/sequential-error-rate.js'
import {
  canaryMedianWithin,
  histogramSince,
  latencySequential,
  latencyThresholds,
} from '../stats/sequential-latency.js'
import { type MetricVerdict, type Outcome, type WindowMetrics, averagesOnly, judge } from './judge.js'

const WATCHABLE: MetricName[] = ['error-rate', 'latency']

interface Freeze {
  thresholdMs: number
  toleranceMs: number
  canary: number[]
  stable: number[]
}

export class SequentialJudge {
  private freeze?: Freeze
  private readonly watched: MetricName[]
  private readonly alpha: number

  constructor(private readonly t: AnalysisThresholds) {
    this.watched = WATCHABLE.filter((m) => t.critical.includes(m))
    this.alpha = (1 - t.confidence) / Math.max(1, this.watched.length)
  }

  /** One verdict per critical metric on the calls since the step started (canary, stable). */
  look(canary: WindowMetrics, stable: WindowMetrics): MetricVerdict[] {
    const verdicts: MetricVerdict[] = []
    if (this.watched.includes('error-rate')) verdicts.push(this.errorRate(canary, stable))
    if (this.watched.includes('latency')) verdicts.push(this.latency(canary, stable))
    for (const [metric, max] of [
      ['p95', this.t.maxP95Ms],
      ['p99', this.t.maxP99Ms],
    ] as const)
      if (max !== undefined && this.t.critical.includes(metric))
        verdicts.push({
          metric,
          outcome: 'inconclusive',
          critical: true,
          summary: `a limit (max ${max} ms), checked by the fixed judgement at the end of the step`,
          figures: { max },
        })
    return verdicts
  }

  /** The judgement at the end of the step: the last look, the undecided settled (see the top). */
  conclude(canary: WindowMetrics, stable: WindowMetrics): MetricVerdict[] {
    const looked = new Map(this.look(canary, stable).map((v) => [v.metric, v]))
    return judge(canary, stable, this.t).map((fixed) => {
      const seq = this.watched.includes(fixed.metric) ? looked.get(fixed.metric) : undefined
      if (!seq || seq.outcome === 'fail' || fixed.figures.averagesOnly) return seq?.outcome === 'fail' ? seq : fixed
      const outcome = seq.outcome === 'pass' ? 'pass' : fixed.outcome === 'fail' ? 'inconclusive' : fixed.outcome
      return {
        ...fixed,
        outcome,
        summary:
          outcome === 'inconclusive' && fixed.outcome === 'fail'
            ? `looks worse, not shown by the sequential test: ${fixed.summary}`
            : `${fixed.summary}; not shown worse by the sequential test`,
        figures: { ...fixed.figures, logEvidence: seq.figures.logEvidence ?? null },
      }
    })
  }

  private errorRate(canary: WindowMetrics, stable: WindowMetrics): MetricVerdict {
    const counts = {
      canaryCalls: canary.calls,
      canaryErrors: canary.errors,
      stableCalls: stable.calls,
      stableErrors: stable.errors,
    }
    if (canary.calls === 0 || stable.calls === 0)
      return nodata('error-rate', counts, `canary ${canary.calls} calls, stable ${stable.calls}: waiting for calls`)
    const v = errorRateSequential(counts, {
      alpha: this.alpha,
      tolerancePp: this.t.errorTolerance,
      maxErrorRate: this.t.maxErrorRate,
    })
    return verdict('error-rate', v, counts, this.alpha)
  }

  private latency(canary: WindowMetrics, stable: WindowMetrics): MetricVerdict {
    if (averagesOnly(canary) || averagesOnly(stable))
      return {
        metric: 'latency',
        outcome: 'inconclusive',
        critical: true,
        summary: "averages only (the services' stats): compared at the end of the step",
        figures: { averagesOnly: 1 },
      }
    if (!this.freeze && histogramCount(stable.latency) >= this.t.minCalls) {
      const tolerance = this.t.latencyTolerance
      const frozen = latencyThresholds(stable.latency, {
        ...('ms' in tolerance ? { ms: tolerance.ms } : { percent: tolerance.percent }),
        floorMs: this.t.latencyFloorMs,
      })
      if (frozen) this.freeze = { ...frozen, canary: [...canary.latency], stable: [...stable.latency] }
    }
    const f = this.freeze
    const calls = { canaryCalls: histogramCount(canary.latency), stableCalls: histogramCount(stable.latency) }
    if (!f)
      return nodata(
        'latency',
        calls,
        `stable ${calls.stableCalls} calls with a latency: fewer than ${this.t.minCalls} to freeze its median`,
      )
    let since: [number[], number[]]
    try {
      since = [histogramSince(canary.latency, f.canary), histogramSince(stable.latency, f.stable)]
    } catch {
      this.freeze = undefined // a counter went down (a host restarted or was forgotten): start again
      return nodata('latency', calls, 'a host restarted its counters: the median is frozen again')
    }
    const o = { alpha: this.alpha, ...f }
    const both = latencySequential(since[0], since[1], o)
    const v = both.verdict === 'continue' ? (canaryMedianWithin(since[0], o) ?? both) : both
    const counted = { canaryCalls: histogramCount(since[0]), stableCalls: histogramCount(since[1]) }
    return verdict('latency', v, { ...counted, thresholdMs: f.thresholdMs, toleranceMs: f.toleranceMs }, this.alpha)
  }
}

const OUTCOMES: Record<SequentialVerdict['verdict'], Outcome> = {
  fail: 'fail',
  pass: 'pass',
  continue: 'inconclusive',
}

function verdict(
  metric: MetricName,
  v: SequentialVerdict,
  figures: Record<string, number>,
  alpha: number,
): MetricVerdict {
  return {
    metric,
    outcome: OUTCOMES[v.verdict],
    critical: true,
    summary: `${v.reason} (sequential, α=${Number(alpha.toPrecision(3))})`,
    figures: { ...figures, lower: v.lower, upper: v.upper, logEvidence: v.logEvidence, alpha },
  }
}

function nodata(metric: MetricName, figures: Record<string, number>, why: string): MetricVerdict {
  return { metric, outcome: 'nodata', critical: true, summary: `${why} -> nodata`, figures }
}
