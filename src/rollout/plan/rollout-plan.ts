/**
 * A rollout plan: which entity moves from which version to which, in what steps, how long
 * to wait after each, and which gates decide. Pure data and checks, read by the spec, the state
 * and the analysis below the runner; running it is src/rollout/.
 */
import { LatticeError } from '../../errors.js'
import { UNRECORDED_COMMAND, urlOrigin } from '../../redact.js'
import type { EntityRef } from '../../subjects/index.js'

export type Step = number | 'pause'

export interface ProbeGate {
  payload: string
  count: number
  timeoutMs: number
  /** Most errors allowed, percent of probe requests. */
  maxErrorRate: number
  maxP95Ms?: number
  /** How much worse than the stable version the new one may be. */
  errorMargin: number
  latencyMarginMs: number
}

/** POST of the rollout's context as JSON after each wait; a 2xx answer passes (Flagger-style hook). */
export interface WebhookGate {
  url: string
  timeoutMs: number
}

/** A PromQL query run `count` times, `intervalMs` apart; each result must meet `condition` (e.g. "< 0.05"). */
export interface PrometheusGate {
  url: string
  query: string
  condition: string
  count: number
  intervalMs: number
  /** Measurements that may fail before the gate does (Argo's failureLimit). */
  failureLimit: number
}

/** The metrics the canary judge (src/analysis/judge.ts) gives verdicts on. */
export type MetricName = 'error-rate' | 'latency' | 'p95' | 'p99'

export const ANALYSIS_JUDGES = ['sequential', 'fixed'] as const
export type AnalysisJudge = (typeof ANALYSIS_JUDGES)[number]

/** What the judge holds a canary to: the plan's side of real-traffic analysis. */
export interface AnalysisThresholds {
  /** Fewer calls of either version in the window: nodata. */
  minCalls: number
  /** α = 1 - confidence. */
  confidence: number
  /** Percent: a canary above it fails. */
  maxErrorRate: number
  /** Percentage points the canary may exceed the stable rate by. */
  errorTolerance: number
  /** Of the stable median when in percent. */
  latencyTolerance: { ms: number } | { percent: number }
  /** A shift below this never fails (host timing noise). */
  latencyFloorMs: number
  /** Cliff's delta below which a shift is negligible. */
  effectFloor: number
  maxP95Ms?: number
  maxP99Ms?: number
  critical: MetricName[]
}
/**
 * Real-traffic analysis (src/analysis/): after each wait the canary (`to`) is judged against the
 * stable version (`from`) from the hosts' metrics over the same window.
 *   auto: on when the versions' hosts report metrics; on: required; off; dry-run: judge and record, act on nothing.
 */
export interface AnalysisPlan {
  mode: 'auto' | 'on' | 'off' | 'dry-run'
  thresholds: AnalysisThresholds
  /** Failed judgements a step may have before the rollout rolls back (Argo's failureLimit). */
  failureLimit: number
  /** Inconclusive judgements (NODATA included) a step may have before the rollout holds for promote or abort. */
  inconclusiveLimit: number
  /** Consecutive passing judgements a step needs before the next step (Argo's consecutiveSuccessLimit). */
  successes: number
  /**
   * sequential (the default): judged after every report, a Fail ends the step at once, and the
   * step's end is judged by the same test. fixed: one judgement at the end of the wait.
   */
  judge: AnalysisJudge
  /** With judge sequential: a Pass of every critical metric ends the step early. */
  earlyPromote?: boolean
}

export interface RolloutPlan {
  entity: EntityRef
  /** A service's rollout: the endpoints it routes (each endpoint's caller subject is mapped). */
  endpoints?: string[]
  from: string
  to: string
  steps: Step[]
  intervalMs: number
  probe?: ProbeGate
  gateCmd?: string
  webhooks?: WebhookGate[]
  prometheus?: PrometheusGate
  /** Webhooks told of every rollout event (never waited for). */
  notify?: string[]
  /** Absent: the defaults (auto). */
  analysis?: AnalysisPlan
}

/**
 * The plan as the rollout record keeps it (state bucket, this machine's copy) and every reader
 * shows it (`rollout status`, the dashboard): URLs reduced to their origin (a chat webhook's path
 * or a `?token=` is a secret), the gate command to a marker. The full plan lives only in the
 * process that runs the rollout.
 */
export function recordablePlan(plan: RolloutPlan): RolloutPlan {
  return {
    ...plan,
    ...(plan.gateCmd ? { gateCmd: UNRECORDED_COMMAND } : {}),
    ...(plan.webhooks ? { webhooks: plan.webhooks.map((w) => ({ ...w, url: urlOrigin(w.url) })) } : {}),
    ...(plan.prometheus ? { prometheus: { ...plan.prometheus, url: urlOrigin(plan.prometheus.url) } } : {}),
    ...(plan.notify ? { notify: plan.notify.map(urlOrigin) } : {}),
  }
}

/** Check a plan before anything is contacted. */
export function validatePlan(plan: RolloutPlan): void {
  const bad = (message: string, hint: string) => new LatticeError('INVALID_ROLLOUT', message, { hint })
  if (plan.from === plan.to)
    throw bad(`--from and --to are both "${plan.to}".`, 'Name the stable version and the new one.')
  const weights = plan.steps.filter((s): s is number => s !== 'pause')
  if (weights.length === 0) throw bad('The rollout has no steps.', 'Give steps such as 10,25,50,100.')
  for (let i = 1; i < weights.length; i++)
    if (weights[i] <= weights[i - 1])
      throw bad(`Steps must increase: ${weights[i]} after ${weights[i - 1]}.`, 'For example 10,25,50,100.')
  if (weights.some((w) => w < 1 || w > 100 || !Number.isInteger(w)))
    throw bad('Each step is a whole percent from 1 to 100.', 'For example 10,25,50,100.')
}

/** Parse `10,25,pause,50,100`. */
export function parseSteps(text: string): RolloutPlan['steps'] {
  return text.split(',').map((s) => {
    const t = s.trim()
    if (t === 'pause') return 'pause'
    if (!/^\d+$/.test(t))
      throw new LatticeError('INVALID_ROLLOUT', `Step "${t}" is neither a whole percent nor "pause".`, {
        hint: 'For example --steps 10,25,pause,50,100.',
      })
    return Number(t)
  })
}
