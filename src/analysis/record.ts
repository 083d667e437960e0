/**
 * What a rollout keeps of its real-traffic analysis (in its record, its events and --json):
 * shared by the runner (rollout/), its records (rollout/records/) and the views (views/).
 */
import type { AnalysisPlan } from '../rollout/plan/rollout-plan.js'
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
  /** Made by the sequential judge during the wait (windowMs into the step), which it ended. */
  sequential?: boolean
}

export interface AnalysisRecord {
  mode: AnalysisPlan['mode']
  active: boolean
  /** Why it is off, or anything a person should know. */
  note?: string
  /** The current step's judgements so far (the last ten). */
  judgements: Judgement[]
}
