/**
 * Changes pushed --without-state, saved on this machine (one file per push, per account) so
 * that the next journaled change made here records each one in the history as its own
 * revision, as long as they still follow on from the recorded head (see src/ops/replay.ts).
 */
import { randomBytes } from 'node:crypto'
import { basename, join } from 'node:path'
import type { Mappings } from '../plan/routes.js'
import { type Head, type RecordedChange, type RevisionRecord, type Who, changedSubjects } from './journal.js'
import { jsonFiles, localDir, readJson, writePrivateJson } from './machine-files.js'

export interface UnrecordedPush {
  account: string
  /** Why the state could not be used. */
  reason: string
  /** ISO time the push went live. */
  time: string
  who: Who
  command: string
  lattice: string
  changes: RecordedChange[]
  /** The account's mappings before and after the push. */
  before: Mappings
  mappings: Mappings
  jwtIat?: number
  jwtHash: string
}

export interface SavedPush {
  file: string
  push: UnrecordedPush
}

const dirOf = (account: string, create = false) => localDir(['unrecorded', account], create)

/** Save a push; returns the file. Names sort by time. */
export function saveUnrecorded(push: UnrecordedPush): string {
  const file = join(
    dirOf(push.account, true),
    `${String(Date.now()).padStart(15, '0')}-${process.pid}-${randomBytes(3).toString('hex')}.json`,
  )
  writePrivateJson(file, push)
  return file
}

/** The account's saved pushes, oldest first. */
export function listUnrecorded(account: string): SavedPush[] {
  return jsonFiles(dirOf(account))
    .flatMap((file) => {
      const push = readJson<UnrecordedPush>(file)
      return push?.account === account && push.mappings && push.before ? [{ file, push }] : []
    })
    .sort((a, b) => a.push.time.localeCompare(b.push.time) || basename(a.file).localeCompare(basename(b.file)))
}

export interface ReplayPlan {
  /** Already in the history (the head is one of them, or follows them): nothing to record. */
  recorded: SavedPush[]
  /** The one to record next, as revision head + 1. */
  next?: SavedPush
  /** No longer following on from the head: the history moved on elsewhere; left to drift recording. */
  broken: SavedPush[]
}

export const sameMappings = (a: Mappings, b: Mappings) => changedSubjects(a, b).length === 0

/**
 * What to do with the saved pushes (oldest first) given the head. The first not yet recorded
 * is next if the routing it started from is the head's; otherwise it and all after it are broken.
 * Called once per revision, so each next one is checked against the previous one's result.
 */
export function planReplay(head: Pick<Head, 'mappings' | 'jwtHash'>, saved: SavedPush[]): ReplayPlan {
  const last = head.jwtHash ? saved.map((s) => s.push.jwtHash).lastIndexOf(head.jwtHash) : -1
  const recorded = saved.slice(0, last + 1)
  const rest = saved.slice(last + 1)
  if (rest.length === 0) return { recorded, broken: [] }
  if (sameMappings(rest[0].push.before, head.mappings)) return { recorded, next: rest[0], broken: [] }
  return { recorded, broken: rest }
}

/** The revision a saved push is recorded as: its own time, who and command; who recorded it in completedBy. */
export function replayedRecord(push: UnrecordedPush, revision: number, recordedBy: Who): RevisionRecord {
  return {
    revision,
    time: push.time,
    kind: 'change',
    who: push.who,
    command: push.command,
    lattice: push.lattice,
    changes: push.changes,
    mappings: push.mappings,
    ...(push.jwtIat ? { jwtIat: push.jwtIat } : {}),
    jwtHash: push.jwtHash,
    pushedWithoutState: true,
    withoutStateReason: push.reason,
    completedBy: recordedBy,
  }
}
