/**
 * The readiness gate: never give weight to a version nothing serves. Before a change, every
 * version that would get weight > 0 must have at least one subscriber on its versioned
 * subject somewhere in the cluster ($SYS.REQ.SERVER.PING.SUBSZ; each server counts its own
 * clients, so the sum is exact).
 */
import { LatticeError } from '../errors.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { entityLabel, versionedSubject } from '../subjects/index.js'
import type { EntityChange } from './change.js'

export interface UnreadyVersion {
  entity: string
  version: string
  subject: string
}

/** Versions the change gives weight to that no instance subscribes to. */
export function unreadyVersions(lattice: string, changes: EntityChange[], subscriptions: Subscriber[]): UnreadyVersion[] {
  const wanted = changes.flatMap((c) => {
    const versions = new Set([c.after ?? {}, ...Object.values(c.clusters?.after ?? {})].flatMap((w) => Object.entries(w).filter(([, x]) => x > 0).map(([v]) => v)))
    return [...versions].map((version) => ({ entity: entityLabel(c.entity), version, subject: versionedSubject(lattice, c.entity, version) }))
  })
  if (wanted.length === 0) return []
  const subscribed = new Set(subscriptions.map((s) => s.subject))
  return wanted.filter((w) => !subscribed.has(w.subject))
}

export function notReadyError(unready: UnreadyVersion[]): LatticeError {
  const list = unready.map((u) => `${u.entity} version ${u.version}`).join(', ')
  return new LatticeError('VERSION_NOT_READY', `Nothing subscribes to ${list}: traffic sent there would get "no responders".`, {
    hint: 'Start instances of that version first (host-core subscribes them), or pass --force to route to it anyway.',
    details: { unready },
  })
}
