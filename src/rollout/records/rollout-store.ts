/**
 * Rollouts in the state bucket, one key per entity (`<account>.rollout.<entity token>`), so
 * that `rollout status`, `abort` and `promote` work from any machine. Every update is a
 * compare-and-set that re-reads and re-applies on conflict, so a runner's progress and
 * another terminal's abort request never overwrite each other. Each record written is also
 * copied to this machine (rollout-copy.ts), for an abort while the bucket is down.
 */
import { type EntityRef, ownerKey, versionToken } from '../../subjects/index.js'

export type { ProbeGate, RolloutPlan, Step } from '../plan/rollout-plan.js'
import { saveRolloutCopy } from './rollout-copy.js'
import { type RolloutRecord, isActive } from './rollout-record.js'
import type { StateStore, Versioned } from '../../state/store.js'

export { type GateResult, type Phase, type RolloutRecord, isActive } from './rollout-record.js'

export class Rollouts {
  constructor(
    private readonly store: StateStore,
    private readonly account: string,
  ) {}

  private key(entity: EntityRef) {
    return `${this.account}.rollout.${versionToken(ownerKey(entity))}`
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
  async update(
    entity: EntityRef,
    change: (r: RolloutRecord) => RolloutRecord | undefined,
  ): Promise<RolloutRecord | undefined> {
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
