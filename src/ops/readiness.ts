/**
 * The readiness gate: never give weight to a version nothing serves. Before a change, every
 * version that would get weight > 0 must have at least one subscriber on its versioned
 * subject somewhere in the cluster ($SYS.REQ.SERVER.PING.SUBSZ; each server counts its own
 * clients, so the sum is exact). A component's version V is served when a subscription's
 * subject starts with `{lattice}.{V}.wrpc.` (a wasmCloud host subscribes each function).
 */
import { LatticeError } from '../errors.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import { type EntityRef, entityLabel, servesVersion, versionQueueGroup, versionedSubject } from '../subjects/index.js'
import type { EntityChange } from './change-types.js'

export interface UnreadyVersion {
  entity: string
  version: string
  subject: string
}

/** Versions the change gives weight to that no instance subscribes to. */
export function unreadyVersions(lattice: string, changes: EntityChange[], subscriptions: Subscriber[]): UnreadyVersion[] {
  const wanted = changes.flatMap((c) => {
    const versions = new Set([c.after ?? {}, ...Object.values(c.clusters?.after ?? {})].flatMap((w) => Object.entries(w).filter(([, x]) => x > 0).map(([v]) => v)))
    return [...versions].map((version) => ({ entity: c.entity, version }))
  })
  if (wanted.length === 0) return []
  const subscribed = [...new Set(subscriptions.map((s) => s.subject))]
  return wanted
    .filter((w) => !subscribed.some((subject) => servesVersion(lattice, w.entity, w.version, subject)))
    .map((w) => ({ entity: entityLabel(w.entity), version: w.version, subject: versionedSubject(lattice, w.entity, w.version) }))
}

/**
 * Running instances of `version` of `entity`: subscribers in its queue group on its versioned
 * subject; for a component, the most on any one of its wRPC subjects (a host subscribes each
 * exported function once, so one host counts once).
 */
export function instancesOf(lattice: string, entity: EntityRef, version: string, subscriptions: Subscriber[]): number {
  const queue = versionQueueGroup(lattice, entity, version)
  const perSubject = new Map<string, number>()
  for (const s of subscriptions) if (s.queue === queue && servesVersion(lattice, entity, version, s.subject)) perSubject.set(s.subject, (perSubject.get(s.subject) ?? 0) + 1)
  return Math.max(0, ...perSubject.values())
}

export function notReadyError(unready: UnreadyVersion[]): LatticeError {
  const list = unready.map((u) => `${u.entity} version ${u.version}`).join(', ')
  return new LatticeError('VERSION_NOT_READY', `Nothing subscribes to ${list}: traffic sent there would get "no responders".`, {
    hint: unready.some((u) => u.entity.startsWith('component '))
      ? 'Deploy that component ID first (e.g. with wadm) and wait until its hosts subscribe, or pass --force to route to it anyway.'
      : 'Start instances of that version first (host-core subscribes them), or pass --force to route to it anyway.',
    details: { unready },
  })
}
