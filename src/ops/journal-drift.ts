/**
 * Drift: routing changed outside lattice. Recorded as its own revision when a journaled change
 * finds it, and only warned of on a dry run or without the lock.
 */
import { serviceCatalogue } from './service-catalogue.js'
import { routesFromMappings } from '../plan/routes.js'
import {
  type Head,
  type Journal,
  type RecordedChange,
  type RevisionRecord,
  type Who,
  driftedSubjects,
  jwtHash,
  ownUnfinishedNote,
} from '../state/journal.js'
import type { Versioned } from '../state/store.js'
import type { ChangeResult, LiveState } from './change-types.js'
import type { Session } from './session.js'

/** Record the live mappings as a drift revision; false when another writer moved the head first. */
export async function recordDrift(
  session: Session,
  journal: Journal,
  head: Versioned<Head>,
  live: LiveState,
  subjects: string[],
  who: Who,
  command: string,
): Promise<boolean> {
  const liveMappings = live.claims.nats.mappings ?? {}
  const before = new Map(
    routesFromMappings(head.value.mappings, session.lattice, await serviceCatalogue(session)).map((r) => [
      r.subject,
      r,
    ]),
  )
  const after = new Map(
    routesFromMappings(liveMappings, session.lattice, await serviceCatalogue(session)).map((r) => [r.subject, r]),
  )
  const changes: RecordedChange[] = subjects.flatMap((subject) => {
    const route = after.get(subject) ?? before.get(subject)
    if (!route) return []
    const b = before.get(subject)
    const a = after.get(subject)
    const drop = { before: b?.drop ?? 0, after: a?.drop ?? 0 }
    return [
      {
        entity: route.entity,
        subject,
        before: b ? b.weights : null,
        after: a ? a.weights : null,
        ...(drop.before || drop.after ? { drop } : {}),
      },
    ]
  })
  const record: RevisionRecord = {
    revision: head.value.revision + 1,
    time: new Date().toISOString(),
    kind: 'drift',
    who: { user: 'unknown (outside lattice)', host: 'unknown' },
    command: `found by: ${command}`,
    changes,
    subjects,
    mappings: liveMappings,
    ...(live.claims.iat ? { jwtIat: live.claims.iat } : {}),
    jwtHash: jwtHash(live.jwt),
    completedBy: who,
  }
  return journal.commit(head, record, [...new Set([...(head.value.drift ?? []), ...subjects])].sort())
}

/** Warn about drift on a dry run (nothing is recorded). */
export async function warnOfDrift(journal: Journal, live: LiveState, result: ChangeResult): Promise<void> {
  const head = await journal.head()
  if (!head) return
  const outside = driftedSubjects(head.value, live.claims.nats.mappings ?? {})
  if (outside.length > 0) result.warnings.push(`Changed outside lattice: ${outside.join(', ')}.`)
  const own = ownUnfinishedNote(head.value, live.claims.nats.mappings ?? {})
  if (own) result.warnings.push(own.replace(/^./, (c) => c.toUpperCase()))
}
