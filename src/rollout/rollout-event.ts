/** What a rollout runner tells as it goes: the terminal view, the notifications and --json read it. */
import type { GateResult } from './records/rollout-store.js'
import type { Judgement } from './traffic-analysis.js'

export interface RolloutEvent {
  type:
    | 'started'
    | 'step'
    | 'observed'
    | 'verdict'
    | 'gate'
    | 'paused'
    | 'promoted'
    | 'rolled-back'
    | 'held'
    | 'completed'
    | 'failed'
  time: string
  entity: string
  /** 1-based step number, and how many steps there are. */
  step?: number
  steps?: number
  weight?: number
  observed?: number
  /** Every version's share of the observed calls, in percent (with `observed`). */
  shares?: Record<string, number>
  /** Where the observed calls were counted (with `observed`): the hosts' metrics reports, or a subscription. */
  observedBy?: 'reports' | 'subscription' | 'stats'
  gate?: GateResult
  /** A real-traffic analysis judgement (type verdict; rolled-back when a failed one decided it). */
  judgement?: Judgement
  message?: string
}
