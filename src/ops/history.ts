/** `lattice history` and `lattice rollback`: the recorded revisions, and going back to one. */
import { serviceCatalogue } from './service-catalogue.js'
import { LatticeError } from '../errors.js'
import { type RouteChange, routeIndex, routesFromMappings } from '../plan/routes.js'
import type { Journal, RevisionRecord } from '../state/journal.js'
import { listUnrecorded } from '../state/unrecorded.js'
import { unrecordedNote } from '../state/without-state-words.js'
import { type ChangeOptions, type ChangeResult, changeRoutes } from './change.js'
import type { Session } from './session.js'
import { refuseSystemAccount } from './system-account.js'
import { type SpecLive, liveAfter } from './spec.js'
import type { Spec } from '../spec/parse.js'
import { DEFAULT_LATTICE } from '../subjects/index.js'

export interface HistoryResult {
  account: string
  lattice: string
  /** Oldest first; revisions of other lattices of the account are left out. */
  revisions: RevisionRecord[]
  /** A change in flight (or left by a writer that died), if any. */
  pending?: { revision: number; who: RevisionRecord['who']; command: string; started: string }
  /** Changes this machine pushed --without-state, not in the history yet (the next change made here records them). */
  unrecorded: { time: string; who: RevisionRecord['who']; command: string }[]
  warnings: string[]
}

function requireJournal(session: Session, what = 'History'): Journal {
  const down = session.withoutState?.reason
  if (!session.journal && down) {
    throw new LatticeError(
      'STATE_UNAVAILABLE',
      `${what} needs the history, which is kept in the lattice state, and the state cannot be used (${down}); --without-state cannot help here. Nothing was changed.`,
      {
        hint: 'To put routes back by hand while the state is down, read the live weights with `lattice status` and set them with `lattice shift actor|provider|component ... --without-state`.',
      },
    )
  }
  if (!session.journal) {
    throw new LatticeError('NO_HISTORY', 'History is kept only with --state-creds (LATTICE_STATE_CREDS).', {
      hint: 'Pass creds of a user in an account with JetStream; every change made with them is recorded.',
    })
  }
  return session.journal
}

/** Does the record concern this lattice? Drift and baselines concern every lattice. */
const concerns = (r: RevisionRecord, lattice: string) => r.lattice === undefined || r.lattice === lattice

export async function history(session: Session, opts: { limit?: number } = {}): Promise<HistoryResult> {
  const journal = requireJournal(session)
  await refuseSystemAccount(session.conn, session.account)
  const [records, head] = await Promise.all([journal.records(), journal.head()])
  const mine = records.filter((r) => concerns(r, session.lattice))
  const pending = head?.value.pending
  const unrecorded = listUnrecorded(session.account).map(({ push }) => ({
    time: push.time,
    who: push.who,
    command: push.command,
  }))
  const warnings = unrecorded.length ? [unrecordedNote(unrecorded)] : []
  return {
    unrecorded,
    warnings,
    account: session.account,
    lattice: session.lattice,
    revisions: opts.limit ? mine.slice(-opts.limit) : mine,
    ...(pending
      ? {
          pending: {
            revision: pending.record.revision,
            who: pending.record.who,
            command: pending.record.command,
            started: new Date(pending.startedMs).toISOString(),
          },
        }
      : {}),
  }
}

/** Restore the lattice's routes as they were at revision `to` (default: the one before the latest), as a new revision. */
export async function rollback(
  session: Session,
  to: number | undefined,
  opts: ChangeOptions,
  spec?: { spec: Spec; write: boolean },
): Promise<ChangeResult & { rolledBackTo: number; specLive?: SpecLive }> {
  const journal = requireJournal(session, 'A rollback')
  await refuseSystemAccount(session.conn, session.account)
  const head = await journal.head()
  const latest = head?.value.revision ?? 0
  const target = to ?? latest - 1
  if (target < 0)
    throw new LatticeError('NO_HISTORY', 'There is no earlier revision to roll back to.', {
      hint: 'Run `lattice history` to see the revisions.',
    })
  const record = await journal.record(target)
  if (!record)
    throw new LatticeError('UNKNOWN_REVISION', `There is no revision ${target} (latest: ${latest}).`, {
      hint: 'Run `lattice history` to see the revisions.',
    })
  const wanted = routeIndex(routesFromMappings(record.mappings, session.lattice, await serviceCatalogue(session)))
  const result = await changeRoutes(
    session,
    (routes) => {
      const changes: RouteChange[] = []
      for (const key of new Set([...routes.keys(), ...wanted.keys()])) {
        const [now, then] = [routes.get(key), wanted.get(key)]
        // Mappings lattice did not write, then or now, are left as they are.
        if (now?.foreign || then?.foreign) continue
        const entity = (then ?? now)?.entity
        if (entity)
          changes.push({
            entity,
            weights: then ? then.weights : null,
            ...(then?.drop ? { drop: then.drop } : {}),
            ...(then?.clusters ? { clusters: then.clusters } : {}),
          })
      }
      return changes
    },
    // Restoring a recorded state is the answer to drift, so it may overwrite it.
    { ...opts, acceptDrift: true, rolledBackTo: target },
  )
  // A rollback across a swap leaves the file's live: naming what is no longer live; `plan` would swap back.
  const specLive =
    spec && specConcerns(spec.spec, session) ? liveAfter(spec.spec, wanted, spec.write && !opts.dryRun) : undefined
  return { ...result, rolledBackTo: target, ...(specLive ? { specLive } : {}) }
}

/** A spec file concerns this session when it names no other account or lattice. */
function specConcerns(spec: Spec, session: Session): boolean {
  return (
    (spec.account === undefined || spec.account === session.account) &&
    (spec.lattice ?? DEFAULT_LATTICE) === session.lattice
  )
}
