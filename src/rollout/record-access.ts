/**
 * How rollouts reach their records in the state bucket: every rollout command reads them, and a
 * runner keeps its own up to date, looking out for an abort or a promote from any terminal.
 */
import { LatticeError } from '../errors.js'
import type { Session } from '../ops/session.js'
import { readRolloutCopy } from './records/rollout-copy.js'
import { type RolloutRecord, Rollouts, isActive } from './records/rollout-store.js'
import type { EntityRef } from '../subjects/index.js'

/** How often a waiting rollout looks at its record (an abort, a promote). */
export const POLL_MS = 250
const HEARTBEAT_MS = 2000
/** `rollout abort` restores the weights itself when the runner has shown no sign of life this long. */
export const RUNNER_SILENT_MS = 10_000

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function rolloutsOf(session: Session): Rollouts {
  if (!session.journal) {
    throw new LatticeError(
      'NO_STATE',
      'Rollouts keep their progress in the state bucket: pass --state-creds (LATTICE_STATE_CREDS).',
      {
        hint: 'Use creds of a user in an account with JetStream, so status and abort work from any machine.',
      },
    )
  }
  return new Rollouts(session.journal.store, session.account)
}

/** The record, or undefined when the state bucket did not answer this time (a glitch must not end a rollout). */
export async function readRecord(rollouts: Rollouts, entity: EntityRef): Promise<RolloutRecord | undefined> {
  try {
    return (await rollouts.get(entity))?.value
  } catch {
    return undefined
  }
}

/** Thrown inside the runner when it must stop: an abort request, or an interrupt. */
export class Stop {
  constructor(readonly why: 'abort' | 'interrupt') {}
}

/** The record as its runner keeps it. Every look at it throws Stop once an abort is requested or the process is interrupted. */
export class RunnerRecord {
  private readonly entity: EntityRef
  private heartbeat?: ReturnType<typeof setInterval>

  constructor(
    private readonly rollouts: Rollouts,
    private readonly account: string,
    private readonly started: RolloutRecord,
    private readonly interrupted: () => boolean,
  ) {
    this.entity = started.plan.entity
  }

  /** The record; an abort made on this machine with --without-state (the bucket down) wins. */
  async read(): Promise<RolloutRecord | undefined> {
    const here = readRolloutCopy(this.account, this.entity)
    return here?.abortedWithoutState && here.startedAt === this.started.startedAt
      ? here
      : readRecord(this.rollouts, this.entity)
  }

  /** Is the rollout still ours to run? Throws Stop otherwise. */
  async checkpoint(): Promise<void> {
    if (this.interrupted()) throw new Stop('interrupt')
    const r = await this.read()
    if (r && (r.abortRequested || !isActive(r))) throw new Stop('abort')
  }

  /** Record progress, unless an abort came in (then stop instead). */
  async progress(change: Partial<RolloutRecord>): Promise<void> {
    let stopped = false
    await this.rollouts.update(this.entity, (r) =>
      r.abortRequested || !isActive(r) ? ((stopped = true), undefined) : { ...r, ...change },
    )
    if (stopped) throw new Stop('abort')
  }

  /** Record how the rollout ended, whatever else came in. */
  finish(change: Partial<RolloutRecord>): Promise<RolloutRecord> {
    return this.rollouts.update(this.entity, (r) => ({ ...r, ...change })) as Promise<RolloutRecord>
  }

  /** Wait `ms` (or until `until` holds); throws Stop on an abort request or an interrupt. */
  async waitFor(ms: number, until?: (r: RolloutRecord) => boolean): Promise<void> {
    const end = Date.now() + ms
    for (;;) {
      if (this.interrupted()) throw new Stop('interrupt')
      const r = await this.read()
      if (r && (r.abortRequested || !isActive(r))) throw new Stop('abort')
      if (until && r && until(r)) return
      const left = end - Date.now()
      if (left <= 0) return
      await sleep(Math.min(POLL_MS, left))
    }
  }

  /** A heartbeat tells `rollout abort` that the runner is alive and will do the restoring itself. */
  startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      this.rollouts
        .update(this.entity, (r) => (isActive(r) ? { ...r, heartbeat: Date.now() } : undefined))
        .catch(() => undefined)
    }, HEARTBEAT_MS)
  }

  stopHeartbeat(): void {
    clearInterval(this.heartbeat)
  }
}
