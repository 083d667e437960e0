/**
 * This machine's copy of each rollout record it wrote (the runner's progress above all), kept
 * beside the state bucket so that `rollout abort --without-state` can still restore the stable
 * weights when the bucket cannot be read. The bucket stays the record; this is a fallback.
 */
import { join } from 'node:path'
import { type EntityRef, ownerKey, versionToken } from '../../subjects/index.js'
import { localDir, readJson, writePrivateJson } from '../../state/machine-files.js'
import { type RolloutRecord, isActive } from './rollout-record.js'

const fileOf = (account: string, entity: EntityRef, create = false) =>
  join(localDir(['rollouts', account], create), `${versionToken(ownerKey(entity))}.json`)

export function saveRolloutCopy(account: string, record: RolloutRecord): void {
  try {
    const file = fileOf(account, record.plan.entity, true)
    const current = readJson<RolloutRecord>(file)
    // An abort made here without the state stands until the runner has finished the rollout.
    if (current?.abortedWithoutState && current.startedAt === record.startedAt && isActive(record)) return
    writePrivateJson(file, record)
  } catch {
    // A copy is a convenience for emergencies: never a reason to stop a rollout.
  }
}

export function readRolloutCopy(account: string, entity: EntityRef): RolloutRecord | undefined {
  const r = readJson<RolloutRecord>(fileOf(account, entity))
  return r?.plan && ownerKey(r.plan.entity) === ownerKey(entity) ? r : undefined
}
