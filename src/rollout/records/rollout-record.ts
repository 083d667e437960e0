/** A rollout's record (its plan, where it is, what its gates and analysis found), as kept in the state bucket and in this machine's copy. */
import type { AnalysisRecord } from '../../analysis/record.js'
import type { RolloutPlan } from '../plan/rollout-plan.js'
import type { Weights } from '../../plan/weights.js'
import type { Owner, Who } from '../../state/journal.js'

export interface GateResult {
  gate: 'probe' | 'command' | 'webhook' | 'prometheus'
  pass: boolean
  detail: string
}

/** held: interrupted with --on-interrupt hold; failed: the stable weights could not be restored. */
export type Phase = 'running' | 'paused' | 'completed' | 'rolled-back' | 'held' | 'failed'

export interface RolloutRecord {
  plan: RolloutPlan
  lattice: string
  phase: Phase
  /** Index of the step being run (0-based). */
  step: number
  /** Percent of traffic set for `to`. */
  setWeight: number
  /** The lattice revision the last step was recorded as. */
  revision?: number
  /** Percent of traffic observed on `to` during the last wait (when there was traffic). */
  observedWeight?: number
  /** Every serving version's share of the calls observed during the last wait, in percent. */
  observedShares?: Record<string, number>
  /** Where those calls were counted: the hosts' metrics reports, or a subscription to the versioned subjects. */
  observedBy?: 'reports' | 'subscription' | 'stats'
  /** Real-traffic analysis: on or off (and why), and the current step's judgements. */
  analysis?: AnalysisRecord
  /** The entity's weights before the rollout: what an abort restores. */
  stable: Weights | null
  gates: GateResult[]
  message?: string
  who: Who
  owner: Owner
  startedAt: string
  updatedAt: string
  abortRequested?: { who: Who; at: string }
  promoteRequested?: boolean
  /** The runner's last sign of life (its own clock; only its changing matters). */
  heartbeat?: number
  /** `rollout abort --without-state` restored the stable weights while the state could not be read (from this machine's copy). */
  abortedWithoutState?: { who: Who; at: string }
}

export const isActive = (r: RolloutRecord) => r.phase === 'running' || r.phase === 'paused'
