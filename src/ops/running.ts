/**
 * What runs, read from the account's subscriptions (SUBSZ): each entity's versions with their
 * instance counts. `status` lists them; the readiness gate names them when it refuses a version.
 */
import type { Subscriber } from '../resolver/subscriptions.js'
import {
  type EntityKind,
  type EntityRef,
  type EntityScheme,
  entityKey,
  entityQueueGroup,
  entityScheme,
  parseComponentCall,
  parseVersionedSubject,
  servesVersion,
  unversionedSubject,
  versionQueueGroup,
} from '../subjects/index.js'

/** An entity that runs (host-core instances subscribe to its versioned subjects) with no route: calls reach any instance, whatever its version. */
export interface UnroutedStatus {
  kind: EntityKind
  scheme: EntityScheme
  id: string
  link?: string
  /** The unversioned subject callers use. */
  subject: string
  /** version -> running instances. */
  instances: Record<string, number>
}

/**
 * Running instances of `version` of `entity`: subscribers in its queue group on its versioned
 * subject; for a component, the most on any one of its wRPC subjects (a host subscribes each
 * exported function once, so one host counts once).
 */
export function instancesOf(lattice: string, entity: EntityRef, version: string, subscriptions: Subscriber[]): number {
  const queue = versionQueueGroup(lattice, entity, version)
  const perSubject = new Map<string, number>()
  for (const s of subscriptions)
    if ((queue === undefined || s.queue === queue) && servesVersion(lattice, entity, version, s.subject))
      perSubject.set(s.subject, (perSubject.get(s.subject) ?? 0) + 1)
  return Math.max(0, ...perSubject.values())
}

/**
 * Entities whose instances subscribe to versioned subjects in the entity's queue group, with
 * their instances per version; and components (wasmCloud hosts subscribing to
 * `{lattice}.{id}.wrpc.…` in queue group `{lattice}.{id}`), each its own version.
 */
export function runningEntities(subs: Subscriber[], lattice: string): UnroutedStatus[] {
  const found = new Map<string, UnroutedStatus>()
  for (const sub of subs) {
    const parsed = parseVersionedSubject(lattice, sub.subject)
    if (!parsed || sub.queue !== entityQueueGroup(parsed.entity)) continue
    const { entity, version } = parsed
    const key = entityKey(entity)
    const entry = found.get(key) ?? {
      kind: entity.kind,
      scheme: entityScheme(entity.kind),
      id: entity.id,
      ...(entity.link ? { link: entity.link } : {}),
      subject: unversionedSubject(lattice, entity),
      instances: {},
    }
    entry.instances[version] = (entry.instances[version] ?? 0) + 1
    found.set(key, entry)
  }
  for (const id of new Set(subs.map((s) => parseComponentCall(lattice, s.subject)))) {
    if (id === undefined) continue
    const entity = { kind: 'component' as const, id }
    const count = instancesOf(lattice, entity, id, subs)
    if (count > 0)
      found.set(entityKey(entity), {
        kind: 'component',
        scheme: 'wRPC',
        id,
        subject: unversionedSubject(lattice, entity),
        instances: { [id]: count },
      })
  }
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, e]) => ({ ...e, instances: byVersion(e.instances) }))
}

/**
 * The versions of `entity` that run, with their instances. A component's versions are component
 * IDs, so every component running in the lattice is one.
 */
export function runningVersions(lattice: string, entity: EntityRef, subs: Subscriber[]): Record<string, number> {
  if (entity.kind === 'component')
    return Object.fromEntries(
      runningEntities(subs, lattice)
        .filter((e) => e.kind === 'component')
        .map((e) => [e.id, e.instances[e.id]]),
    )
  // Every subscriber of a versioned subject counts, in any queue group, as for the readiness gate.
  const counts: Record<string, number> = {}
  for (const s of subs) {
    const parsed = parseVersionedSubject(lattice, s.subject)
    if (parsed && entityKey(parsed.entity) === entityKey(entity))
      counts[parsed.version] = (counts[parsed.version] ?? 0) + 1
  }
  return byVersion(counts)
}

const byVersion = (i: Record<string, number>) =>
  Object.fromEntries(Object.entries(i).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })))
