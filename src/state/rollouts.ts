/**
 * Rollouts in the state bucket, one key per entity (`<account>.rollout.<entity token>`), so
 * that `rollout status`, `abort` and `promote` work from any machine. Every update is a
 * compare-and-set that re-reads and re-applies on conflict, so a runner's progress and
 * another terminal's abort request never overwrite each other.
 */
import type { RolloutPlan } from '../plan/rollout.js'
import type { Weights } from '../plan/weights.js'
import { type EntityRef, entityKey, versionToken } from '../subjects/index.js'

export type { ProbeGate, RolloutPlan, Step } from '../plan/rollout.js'
import type { Owner, Who } from './journal.js'
import type { StateStore, Versioned } from './store.js'

export interface GateResult {
  gate: 'probe' | 'command'
  pass: boolean
  detail: string
}

export type Phase = 'running' | 'paused' | 'completed' | 'rolled-back' | 'held'

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

  /** Start a record; undefined when another rollout of the entity is active. */
  async start(record: RolloutRecord): Promise<number | undefined> {
    const current = await this.get(record.plan.entity)
    if (current && isActive(current.value)) return undefined
    return this.store.compareAndSet(this.key(record.plan.entity), record, current?.kvRevision ?? 0)
  }

  /** Apply `change` to the latest record, retrying on conflict. Returns the record written. */
  async update(entity: EntityRef, change: (r: RolloutRecord) => RolloutRecord): Promise<RolloutRecord | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const current = await this.get(entity)
      if (!current) return undefined
      const next = { ...change(current.value), updatedAt: new Date().toISOString() }
      if ((await this.store.compareAndSet(this.key(entity), next, current.kvRevision)) !== undefined) return next
    }
    throw new Error('rollout record kept changing under us')
  }
}
