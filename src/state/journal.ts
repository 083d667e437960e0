/**
 * The meaning of the state bucket: a head per account (the latest committed revision, the
 * account's mappings as lattice last left them, and at most one intent in flight) and one
 * record per revision. Writing a revision is two compare-and-sets on the head around the
 * push: `begin` records the signed JWT as the intent (which also locks out other writers),
 * `commit` turns it into a revision. A crash between them leaves the intent, which the next
 * command settles by looking at what the resolvers hold.
 */
import { createHash } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import type { EntityChange, Mappings } from '../plan/routes.js'
import { type ServiceCatalogue, rememberServices } from '../subjects/service-subjects.js'
import { type StateStore, type Versioned } from './store.js'

export interface Who {
  user: string
  host: string
  /** The CI job, where the environment tells it. */
  ci?: string
}

/** Who did something, as every message writes it: `user@host`, with the CI job after it when there is one. */
export const whoText = (w: Who) => `${w.user}@${w.host}${w.ci ? ` (${w.ci})` : ''}`

export type RecordedChange = EntityChange

export type RevisionKind = 'baseline' | 'change' | 'rollback' | 'drift'

export interface RevisionRecord {
  revision: number
  /** ISO time the revision went live (or was found, for drift). */
  time: string
  kind: RevisionKind
  who: Who
  command: string
  lattice?: string
  changes: RecordedChange[]
  /** Subjects changed outside lattice (drift records). */
  subjects?: string[]
  /** The account's mappings after this revision. */
  mappings: Mappings
  /** The service endpoints lattice knows after this revision (what reads their mappings back). */
  services?: ServiceCatalogue
  jwtIat?: number
  jwtHash?: string
  rolledBackTo?: number
  /** This change was planned again on a newer revision than the one it started from. */
  rebasedFrom?: number
  /** The writer died after pushing; a later command found the JWT live and recorded it (or recorded a push made without the state). */
  completedBy?: Who
  /** Pushed with --without-state while the state was unreachable; recorded later from the copy saved on the pushing machine. */
  pushedWithoutState?: true
  /** Why the state could not be used then. */
  withoutStateReason?: string
}

export interface Owner {
  host: string
  pid: number
  /** The PID namespace: containers may share a host name but not their PIDs. */
  pidns?: string
}

export interface Intent {
  record: RevisionRecord
  jwt: string
  owner: Owner
  startedMs: number
}

export interface Head {
  revision: number
  mappings: Mappings
  jwtHash?: string
  /** The record of `revision`, also kept here so that a crash after the head moved loses nothing. */
  last?: RevisionRecord
  /** Subjects changed outside lattice and not yet accepted (--accept-drift) or rolled back. */
  drift?: string[]
  pending?: Intent
}

/** How long an intent may be in flight before another writer settles it (its owner is presumed dead). */
export const INTENT_LEASE_MS = Number(process.env.LATTICE_INTENT_LEASE_MS) || 20_000

export const jwtHash = (jwt: string) => createHash('sha256').update(jwt).digest('hex')

const pad = (n: number) => String(n).padStart(10, '0')

export class Journal {
  constructor(
    readonly store: StateStore,
    readonly account: string,
  ) {}

  private get headKey() {
    return `${this.account}.head`
  }

  private recordKey(n: number) {
    return `${this.account}.rev.${pad(n)}`
  }

  head(): Promise<Versioned<Head> | undefined> {
    return this.store.get<Head>(this.headKey)
  }

  /** First use on this account: what is live now is revision 0 (not drift). Undefined if another writer got there first. */
  async init(mappings: Mappings, jwt: string, who: Who, command: string): Promise<boolean> {
    const record: RevisionRecord = {
      revision: 0,
      time: new Date().toISOString(),
      kind: 'baseline',
      who,
      command: `found by: ${command}`,
      changes: [],
      mappings,
      jwtHash: jwtHash(jwt),
    }
    return this.moveHead({ value: { revision: -1, mappings: {} }, kvRevision: 0 }, record)
  }

  /** Take the lock: record the intent. Undefined when the head moved since it was read. */
  begin(head: Versioned<Head>, intent: Intent): Promise<number | undefined> {
    return this.store.compareAndSet<Head>(this.headKey, { ...head.value, pending: intent }, head.kvRevision)
  }

  /**
   * Move the head to `record` (the compare-and-set is the commit), then file the record under
   * its own key. False when the head moved meanwhile (someone settled our intent for us).
   */
  commit(head: Versioned<Head>, record: RevisionRecord, drift: string[] = head.value.drift ?? []): Promise<boolean> {
    return this.moveHead(head, record, drift)
  }

  private async moveHead(head: Versioned<Head>, given: RevisionRecord, drift: string[] = []): Promise<boolean> {
    // File the previous record first: a writer that died after its head move may not have.
    if (head.value.last) await this.store.put(this.recordKey(head.value.last.revision), head.value.last)
    const services = rememberServices(head.value.last?.services, given.changes)
    const record = services ? { ...given, services } : given
    const next: Head = {
      revision: record.revision,
      mappings: record.mappings,
      ...(record.jwtHash ? { jwtHash: record.jwtHash } : {}),
      last: record,
      ...(drift.length ? { drift } : {}),
    }
    if ((await this.store.compareAndSet<Head>(this.headKey, next, head.kvRevision)) === undefined) return false
    await this.store.put(this.recordKey(record.revision), record)
    return true
  }

  /** Drop an intent that never went live. */
  async abort(head: Versioned<Head>): Promise<boolean> {
    const { pending: _dropped, ...rest } = head.value
    return (await this.store.compareAndSet<Head>(this.headKey, rest, head.kvRevision)) !== undefined
  }

  async record(n: number): Promise<RevisionRecord | undefined> {
    const filed = (await this.store.get<RevisionRecord>(this.recordKey(n)))?.value
    if (filed) return filed
    const head = await this.head()
    return head?.value.last?.revision === n ? head.value.last : undefined
  }

  /** Every committed record, oldest first. */
  async records(): Promise<RevisionRecord[]> {
    const [keys, head] = await Promise.all([this.store.keys(`${this.account}.rev.>`), this.head()])
    const filed = (await Promise.all(keys.map((k) => this.store.get<RevisionRecord>(k)))).flatMap((r) =>
      r ? [r.value] : [],
    )
    const byRevision = new Map(filed.map((r) => [r.revision, r]))
    const last = head?.value.last
    if (last) byRevision.set(last.revision, last)
    // A record filed by a writer whose head move lost the race is not history.
    const top = head?.value.revision ?? -1
    return [...byRevision.values()].filter((r) => r.revision <= top).sort((a, b) => a.revision - b.revision)
  }
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return undefined
  }
}

export function currentOwner(): Owner {
  const pidns = pidNamespace()
  return { host: hostname(), pid: process.pid, ...(pidns ? { pidns } : {}) }
}

/**
 * Is the intent's owner gone? Certainly when it ran in this host's PID namespace and its
 * process no longer exists; otherwise when the same intent has stood unchanged for the lease,
 * as measured here (so clock differences between machines do not matter).
 */
export function intentAbandoned(intent: Intent, unchangedForMs: number): boolean {
  if (unchangedForMs > INTENT_LEASE_MS) return true
  const me = currentOwner()
  if (intent.owner.host !== me.host || !me.pidns || intent.owner.pidns !== me.pidns) return false
  try {
    process.kill(intent.owner.pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Subjects whose routing lattice did not make: recorded drift not yet dealt with, and any since. */
export function driftedSubjects(head: Head, liveMappings: Mappings): string[] {
  const own = ownUnfinishedSubjects(head, liveMappings)
  return [
    ...new Set([
      ...(head.drift ?? []),
      ...changedSubjects(head.mappings, liveMappings).filter((s) => !own.includes(s)),
    ]),
  ].sort()
}

/**
 * Subjects that differ from the head only as lattice's own unfinished change (an intent with
 * its JWT, cut short after or during its push) wrote them: not drift, the next change records it.
 */
export function ownUnfinishedSubjects(head: Head, liveMappings: Mappings): string[] {
  const intent = head.pending?.jwt ? head.pending.record.mappings : undefined
  if (!intent) return []
  return changedSubjects(head.mappings, liveMappings).filter(
    (s) => changedSubjects({ [s]: intent[s] } as Mappings, { [s]: liveMappings[s] } as Mappings).length === 0,
  )
}

/** Says so when lattice's own unfinished change is live (see ownUnfinishedSubjects). */
export function ownUnfinishedNote(head: Head, liveMappings: Mappings): string | undefined {
  const subjects = ownUnfinishedSubjects(head, liveMappings)
  const intent = head.pending
  if (subjects.length === 0 || !intent) return undefined
  return `lattice's own change of revision ${intent.record.revision} (by ${whoText(intent.record.who)}: ${intent.record.command}) is live but not recorded yet: it was cut short; the next change made with --state-creds records it.`
}

/** Who is making the change: user, host and CI job, from the environment. */
export function currentWho(env = process.env): Who {
  let user = env.USER ?? env.USERNAME ?? 'unknown'
  try {
    user = userInfo().username || user
  } catch {
    // no passwd entry (containers): keep the env's answer
  }
  const ci = env.GITHUB_ACTIONS
    ? `github ${env.GITHUB_REPOSITORY ?? ''} run ${env.GITHUB_RUN_ID ?? '?'} job ${env.GITHUB_JOB ?? '?'}`
    : env.GITLAB_CI
      ? `gitlab ${env.CI_JOB_URL ?? `${env.CI_PROJECT_PATH ?? ''} job ${env.CI_JOB_ID ?? '?'}`}`
      : (env.BUILD_URL ?? (env.CI ? `ci ${env.CI_JOB_ID ?? env.BUILD_ID ?? ''}`.trim() : undefined))
  return { user, host: hostname(), ...(ci ? { ci } : {}) }
}

/** Which subjects differ between two mapping sets. */
export function changedSubjects(a: Mappings, b: Mappings): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null)).sort()
}
