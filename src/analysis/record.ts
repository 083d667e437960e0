/**
 * What a rollout keeps of its real-traffic analysis (in its record, its events and --json):
 * shared by the runner (rollout/), its records (rollout/records/) and the views (views/).
 */
import type { AnalysisJudge, AnalysisPlan, MetricName } from '../rollout/plan/rollout-plan.js'
import type { MetricVerdict, Outcome, summarize } from './judge.js'

export type VersionSummary = ReturnType<typeof summarize>

/** One judgement: the figures of each version over the window, and each metric's verdict. */
export interface Judgement {
  time: string
  windowMs: number
  /** Every version of the entity that served calls in the window (from and to always). */
  versions: Record<string, VersionSummary>
  verdicts: MetricVerdict[]
  outcome: Outcome
  /** The stable version had no weight at this step: the canary met its own limits only. */
  alone?: boolean
  /** Which judge made it: the sequential one (during the wait and at its end) or the fixed one. */
  judge: AnalysisJudge
  /** Made by the sequential judge during the wait (windowMs into the step), which it ended. */
  early?: true
  /** With sequential, when it decided: when and why it stopped (src/analysis/sequential-stop.ts). */
  stop?: SequentialStop
}

/** When and why the sequential judge ended a step, for --json and notifications. */
export interface SequentialStop {
  judge: 'sequential'
  /** Milliseconds into the step (the judgement's windowMs). */
  atMs: number
  /** The metrics that decided: the failed critical ones for a Fail, every critical one for a Pass. */
  metrics: StopEvidence[]
}

export interface StopEvidence {
  metric: MetricName
  outcome: Outcome
  /** What the e-value is the likelihood ratio of. */
  test: string
  /** The e-value behind the verdict, three digits, at most e^700 as in the summaries (ln: figures.logEvidence). */
  eValue: number
  alpha: number
  /** The calls the test has seen per version (latency: since its threshold was frozen; alone: the canary's twice). */
  canaryCalls: number
  stableCalls: number
}

export interface AnalysisRecord {
  mode: AnalysisPlan['mode']
  active: boolean
  /** Why it is off, or anything a person should know. */
  note?: string
  /** The current step's judgements so far (the last ten). */
  judgements: Judgement[]
}
