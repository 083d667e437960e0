/**
 * A change with history and locking (--state-creds): read the head, settle any intent a dead
 * writer left, take the lock by recording a reservation (compare-and-set), record drift, plan
 * on the live state, turn the reservation into our intent (the signed JWT), push, then commit
 * the revision. Writers that find the lock taken only poll the head until it is free, so many
 * writers at once cost one live-state read each, not one per writer ahead of them; a writer
 * whose first look was older plans on the newest state all the same (a rebase), so no update is lost.
 *
 * Invariants: a recorded revision is live (it is committed only after the push, or after a
 * later command found its JWT on a resolver), and a live change has a record (an intent
 * whose JWT reached any resolver is committed, by us or by whoever settles it). A reservation
 * has no JWT yet: nothing of it can be live, so whoever finds it abandoned drops it.
 */
import { checkedCatalogue, rememberServices } from '../subjects/index.js'
import { verifyAccountJwt } from '../account/account.js'
import { LatticeError } from '../errors.js'
import { pushAccountJwt, storedJwts } from '../resolver/claims.js'
import {
  type Head,
  type Intent,
  type Journal,
  type RevisionRecord,
  changedSubjects,
  currentOwner,
  currentWho,
  intentAbandoned,
  jwtHash,
  whoText,
} from '../state/journal.js'
import type { Versioned } from '../state/store.js'
import type { ChangeOptions, ChangeResult, LiveState, PlannedChange } from './change-types.js'
import { replayUnrecorded } from './replay.js'
import type { Session } from './session.js'
import { recordDrift } from './journal-drift.js'

export interface ChangeSteps {
  load(): Promise<LiveState>
  plan(live: LiveState): Promise<PlannedChange>
  push(live: LiveState, planned: PlannedChange): Promise<void>
}

/** Give up waiting for other writers after this long. */
const LOCK_WAIT_MS = Number(process.env.LATTICE_LOCK_WAIT_MS) || 120_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Poll a taken lock often at first, then less (jittered, so waiters spread out). */
const pollMs = (attempt: number) => 20 + Math.random() * Math.min(300, 20 * attempt)

export async function journaledChange(
  session: Session,
  journal: Journal,
  opts: ChangeOptions,
  steps: ChangeSteps,
): Promise<ChangeResult> {
  const who = currentWho()
  const command = opts.command ?? 'lattice'
  const deadline = Date.now() + LOCK_WAIT_MS
  let firstBase: number | undefined
  const repaired: string[] = []
  let pendingSeen: { kvRevision: number; sinceMs: number } | undefined

  for (let attempt = 0; ; attempt++) {
    if (Date.now() > deadline) {
      throw new LatticeError(
        'STATE_CONFLICT',
        `Other writers held the lattice state for over ${LOCK_WAIT_MS / 1000} s; nothing was changed.`,
        { hint: 'Run `lattice history` to see what they did, then retry.' },
      )
    }
    if (attempt > 0) await sleep(pollMs(attempt))
    session.deadline.at('reading the lattice state')
    const head = await journal.head()
    if (!head) {
      const live = await steps.load()
      await journal.init(live.claims.nats.mappings ?? {}, live.jwt, who, command)
      continue
    }
    // The plan reads the service endpoints this head knows (another writer may have added some).
    session.services = checkedCatalogue(head.value.last?.services) ?? {}
    const pending = head.value.pending
    if (pending) {
      session.deadline.at(
        `waiting for another writer (revision ${pending.record.revision}, by ${whoText(pending.record.who)}: ${pending.record.command})`,
        'Another change held the lattice state: run `lattice history` to see it, then retry (or allow more time with --timeout).',
      )
      if (pendingSeen?.kvRevision !== head.kvRevision)
        pendingSeen = { kvRevision: head.kvRevision, sinceMs: Date.now() }
      if (intentAbandoned(pending, Date.now() - pendingSeen.sinceMs))
        repaired.push(await settleIntent(session, journal, head))
      continue // a live writer holds the lock: wait for it
    }
    firstBase ??= head.value.revision

    // Take the lock before reading the live state: waiters then only read the head.
    session.deadline.at('taking the lattice state lock')
    const revision = head.value.revision + 1
    const reservation: Intent = {
      record: {
        revision,
        time: new Date().toISOString(),
        kind: 'change',
        who,
        command,
        lattice: session.lattice,
        changes: [],
        mappings: head.value.mappings,
      },
      jwt: '',
      owner: currentOwner(),
      startedMs: Date.now(),
    }
    const reserved = await journal.begin(head, reservation)
    if (reserved === undefined) continue // another writer took it first
    let mine: Versioned<Head> = { value: { ...head.value, pending: reservation }, kvRevision: reserved }
    let planned: PlannedChange
    let live: LiveState
    let record: RevisionRecord
    try {
      // Pushes this machine made without the state come first, each as its own revision.
      if (await replayUnrecorded(journal, mine, who, repaired)) {
        firstBase = undefined
        continue
      }
      live = await steps.load()
      const outside = changedSubjects(head.value.mappings, live.claims.nats.mappings ?? {})
      if (outside.length > 0) {
        // Changed behind lattice's back: record it as its own revision (which frees the lock) before anything else.
        if (await recordDrift(session, journal, mine, live, outside, who, command)) firstBase = undefined
        continue
      }
      planned = await steps.plan(live)
      const { result } = planned
      result.warnings.push(...repaired)
      const drifted = new Set(head.value.drift ?? [])
      const touched = result.changes.filter((c) => drifted.has(c.subject))
      if (touched.length > 0 && !opts.acceptDrift) {
        throw new LatticeError(
          'DRIFT',
          `${touched.map((c) => c.subject).join(', ')} ${touched.length === 1 ? 'was' : 'were'} changed outside lattice (recorded in the history); nothing was changed.`,
          {
            hint: 'Review it with `lattice history`, then run the command again with --accept-drift to build on the live routing, or `lattice rollback --to N` to undo it.',
            details: { subjects: touched.map((c) => c.subject) },
          },
        )
      }
      if (touched.length > 0)
        result.warnings.push(
          `Building on routing changed outside lattice: ${touched.map((c) => c.subject).join(', ')}.`,
        )
      if (!planned.signed || result.changes.length === 0) {
        await journal.abort(mine)
        return result
      }
      record = {
        revision,
        time: new Date().toISOString(),
        kind: opts.rolledBackTo === undefined ? 'change' : 'rollback',
        who,
        command,
        lattice: session.lattice,
        changes: result.changes.map(({ entity, subject, before, after, drop, clusters }) => ({
          entity,
          subject,
          before,
          after,
          ...(drop ? { drop } : {}),
          ...(clusters ? { clusters } : {}),
        })),
        mappings: planned.signed.claims.nats.mappings ?? {},
        jwtIat: planned.signed.iat,
        jwtHash: jwtHash(planned.signed.jwt),
        ...(opts.rolledBackTo === undefined ? {} : { rolledBackTo: opts.rolledBackTo }),
        ...(firstBase !== head.value.revision ? { rebasedFrom: firstBase } : {}),
      }
      session.deadline.at(`recording the intent of revision ${revision}`)
      const intent: Intent = { record, jwt: planned.signed.jwt, owner: currentOwner(), startedMs: Date.now() }
      const locked = await journal.begin(mine, intent)
      if (locked === undefined) continue // our reservation was settled by a writer that thought us gone: start again
      mine = { value: { ...head.value, pending: intent }, kvRevision: locked }
    } catch (e) {
      // Nothing was signed into the state yet: free the lock for the others.
      if (mine.value.pending === reservation) await journal.abort(mine).catch(() => undefined)
      throw e
    }
    debugPause('after-intent')
    // Still ours? A writer that thought us dead may have dropped the intent meanwhile: then push nothing.
    if ((await journal.head())?.kvRevision !== mine.kvRevision) continue

    try {
      await steps.push(live, planned)
    } catch (e) {
      // Whatever went wrong, the record must match what the resolvers hold.
      await settleIntent(session, journal, mine).catch(() => undefined)
      throw e
    }
    debugPause('after-push')
    session.deadline.at(
      `recording revision ${revision}`,
      'The change is live; the next command with --state-creds records it (`lattice history` shows it as pending until then).',
    )
    const stillDrifted = [...(head.value.drift ?? [])].filter(
      (s) => !planned.result.changes.some((c) => c.subject === s),
    )
    if (!(await journal.commit(mine, record, stillDrifted))) {
      const now = await journal.record(revision)
      if (now?.jwtHash !== record.jwtHash) {
        throw new LatticeError(
          'STATE_CONFLICT',
          `The change is live, but revision ${revision} could not be recorded: another writer settled the lattice state meanwhile.`,
          { hint: 'Run `lattice history` and `lattice status` to see what is recorded and what is live.' },
        )
      }
    }
    // What this change routed is known from now on (a rollout's way back reads it).
    session.services = rememberServices(session.services, record.changes)
    const { result } = planned
    result.revision = revision
    if (record.rebasedFrom !== undefined) result.rebasedFrom = record.rebasedFrom
    return result
  }
}

/**
 * An intent whose writer is gone (or that failed): commit it if its JWT reached any resolver
 * (pushing it again so every server has it), drop it otherwise. Returns what was done.
 */
export async function settleIntent(session: Session, journal: Journal, head: Versioned<Head>): Promise<string> {
  const intent = head.value.pending
  if (!intent) return 'Nothing to settle.'
  const stored = await storedJwts(session.conn, session.account)
  const n = intent.record.revision
  const by = `revision ${n}, by ${whoText(intent.record.who)}`
  // No answer says nothing about whether it went live: dropping it then would turn it into drift.
  if (stored.length === 0) {
    throw new LatticeError(
      'NO_RESOLVER',
      `No resolver answered the lookup of the account JWT, so whether an unfinished change (${by}) went live is unknown; it is left pending.`,
      {
        hint: 'Check that the servers run (`lattice status --servers`), then run the command again: it settles the change then.',
      },
    )
  }
  if (!stored.includes(intent.jwt)) {
    if (!(await journal.abort(head))) return `An unfinished change (${by}) was settled by another writer.`
    return `An unfinished change (${by}) never went live; it was dropped.`
  }
  const newest = Math.max(...stored.map((j) => verifyAccountJwt(j, session.account).claims.iat ?? 0))
  let settling = head
  if (newest <= (intent.record.jwtIat ?? 0)) {
    // Push again only while holding the lock: a view of the head read before its writer finished
    // (and another pushed) would put the older JWT back, and 2.9 servers take any iat.
    const takenOver: Intent = { ...intent, owner: currentOwner(), startedMs: Date.now() }
    const kvRevision = await journal.begin(head, takenOver)
    if (kvRevision === undefined) return `An unfinished change (${by}) was settled by another writer.`
    settling = { value: { ...head.value, pending: takenOver }, kvRevision }
    await pushAccountJwt(session.conn, intent.jwt)
  }
  if (!(await journal.commit(settling, { ...intent.record, completedBy: currentWho() })))
    return `An unfinished change (${by}) was settled by another writer.`
  return `An unfinished change (${by}) had gone live; it is now recorded.`
}

/** Tests stop the process between steps with LATTICE_DEBUG_PAUSE=<step> to check recovery. */
function debugPause(step: string): void {
  if (process.env.LATTICE_DEBUG_PAUSE !== step) return
  process.stderr.write(`paused at ${step}\n`)
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000)
}
