/**
 * Rollouts in the state bucket, one key per entity (`<account>.rollout.<entity token>`), so
 * that `rollout status`, `abort` and `promote` work from any machine. Every update is a
 * compare-and-set that re-reads and re-applies on conflict, so a runner's progress and
 * another terminal's abort request never overwrite each other. Each record written is also
 * copied to this machine (src/state/rollout-copy.ts), for an abort while the bucket is down.
 */
import type { AnalysisRecord } from '../analysis/record.js'
import type { RolloutPlan } from '../plan/rollout.js'
import type { Weights } from '../plan/weights.js'
import { type EntityRef, entityKey, versionToken } from '../subjects/index.js'

export type { ProbeGate, RolloutPlan, Step } from '../plan/rollout.js'
import type { Owner, Who } from './journal.js'
import { saveRolloutCopy } from './rollout-copy.js'
import type { StateStore, Versioned } from './store.js'

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
  /** Percent of traffic observed on `to` during the last wait (when there was traffic). */
  observedWeight?: number
  /** Every serving version's share of the calls observed during the last wait, in percent. */
  observedShares?: Record<string, number>
  /** Where those calls were counted: the hosts' metrics reports, or a subscription to the versioned subjects. */
  observedBy?: 'reports' | 'subscription'
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

export class Rollouts {
  constructor(
    private readonly store: StateStore,
    private readonly account: string,
  ) {}

  private key(entity: EntityRef) {
    return `${this.account}.rollout.${versionToken(entityKey(entity))}`
  }

  get(entity: EntityRef): Promise<Versioned<RolloutRecord> | undefined> {
    return this.store.get<RolloutRecord>(this.key(entity))
  }

  /** Every rollout record of the account's lattices (the dashboard's list), oldest key first. */
  async list(): Promise<RolloutRecord[]> {
    const keys = await this.store.keys(`${this.account}.rollout.>`)
    const found = await Promise.all(keys.map((k) => this.store.get<RolloutRecord>(k)))
    return found.flatMap((f) => (f ? [f.value] : []))
  }

  /** Start a record; undefined when another rollout of the entity is active. */
  async start(record: RolloutRecord): Promise<number | undefined> {
    const current = await this.get(record.plan.entity)
    if (current && isActive(current.value)) return undefined
    const started = await this.store.compareAndSet(this.key(record.plan.entity), record, current?.kvRevision ?? 0)
    if (started !== undefined) saveRolloutCopy(this.account, record)
    return started
  }

  /**
   * Apply `change` to the latest record, retrying on conflict; `change` may return undefined
   * to write nothing. Returns the record as it now stands.
   */
  async update(entity: EntityRef, change: (r: RolloutRecord) => RolloutRecord | undefined): Promise<RolloutRecord | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(entity)
      if (!current) return undefined
      const changed = change(current.value)
      if (!changed) return current.value
      const next = { ...changed, updatedAt: new Date().toISOString() }
      if ((await this.store.compareAndSet(this.key(entity), next, current.kvRevision)) !== undefined) {
        saveRolloutCopy(this.account, next)
        return next
      }
    }
    throw new Error('rollout record kept changing under us')
  }
}
