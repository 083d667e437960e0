/**
 * When and why the sequential judge ended a step: the structured reason a judgement carries
 * (`stop`: the record, --json and notifications) and its one text, which every surface shows
 * (the rollout's verdict line and rollback reason, `rollout status`, the dashboard).
 */
import type { MetricVerdict } from './judge.js'
import type { Judgement, SequentialStop, StopEvidence } from './record.js'

/**
 * The stop of a sequential judgement that decided: one that ended its wait early (fail or pass),
 * or a Fail concluding a wait (the test shown at its last look); undefined for any other.
 */
export function stopOf(j: Judgement): SequentialStop | undefined {
  const decided = j.early
    ? j.outcome === 'fail' || j.outcome === 'pass'
    : j.judge === 'sequential' && j.outcome === 'fail'
  if (!decided) return undefined
  const deciding = j.verdicts.filter((v) => v.critical && v.outcome === j.outcome && v.figures.logEvidence != null)
  return { judge: 'sequential', atMs: j.windowMs, metrics: deciding.map(evidenceOf) }
}

function evidenceOf(v: MetricVerdict): StopEvidence {
  const f = v.figures
  const ms = (x: number | null) => `${Number((x ?? 0).toPrecision(3))} ms`
  const canaryAbove = `canary calls above ${ms((f.thresholdMs ?? 0) + (f.toleranceMs ?? 0))}`
  const test =
    v.metric !== 'latency'
      ? 'a likelihood ratio of the error rates'
      : !Number.isFinite(f.lower ?? Number.NaN) // the canary's median alone (src/stats/sequential-latency.ts: canaryMedianWithin)
        ? `a likelihood ratio of the ${canaryAbove} (below half)`
        : `a likelihood ratio of stable calls above ${ms(f.thresholdMs)} vs ${canaryAbove}`
  return {
    metric: v.metric,
    outcome: v.outcome,
    test,
    eValue: Number(Math.exp(Math.min(f.logEvidence ?? 0, 700)).toPrecision(3)),
    alpha: Number((f.alpha ?? 0).toPrecision(3)),
    canaryCalls: f.canaryCalls ?? 0,
    stableCalls: f.stableCalls ?? 0,
  }
}

/**
 * When and why, e.g. " (sequential judge, 2.7 s into the step: error-rate e-value 1.90e+3 at
 * α=0.025, a likelihood ratio of the error rates, on 36 canary and 276 stable calls)"; empty for a
 * fixed judgement. From the judgement's own stop (made before the record's JSON turned NaN and
 * Infinity into null), else one made now.
 */
export function sequentialNote(j: Judgement): string {
  if (!stopOf(j)) return ''
  const why = ((j.stop ?? stopOf(j))?.metrics ?? []).map(
    (e) =>
      `${e.metric} e-value ${e.eValue.toPrecision(3)} at α=${e.alpha}, ${e.test}, on ${e.canaryCalls} canary${j.alone ? '' : ` and ${e.stableCalls} stable`} calls`,
  )
  return ` (sequential judge, ${(j.windowMs / 1000).toFixed(1)} s into the step${why.length ? `: ${why.join('; ')}` : ''})`
}
