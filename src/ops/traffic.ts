/**
 * `lattice dev traffic`: steady calls to an actor or a provider link through the application
 * account (as `watch` observes), each counted by the version that answered (traffic/caller.ts),
 * so that watch, verify and rollout analysis have calls to see.
 */
import { LatticeError } from '../errors.js'
import { countSubscribers, listSubscriptions } from '../resolver/subscriptions.js'
import { type EntityRef, entityLabel, entityQueueGroup, unversionedSubject } from '../subjects/index.js'
import { Caller, type TrafficTally } from '../traffic/caller.js'
import { appOf, otherRunningVersions } from './observed-split.js'
import type { Session } from './session.js'

export interface TrafficOptions {
  /** Calls per second. */
  rate: number
  /** Stop after this long (default: when stopped). */
  durationMs?: number
  payload: string
  /** A call with no answer after this long counts as a timeout. */
  callTimeoutMs: number
  stopped: () => boolean
  /** Told the counts every `tickMs`. */
  onTick?: (p: TrafficProgress) => void
  tickMs?: number
}

export interface TrafficProgress extends TrafficTally {
  elapsedMs: number
}

export interface TrafficResult extends TrafficProgress {
  entity: string
  subject: string
  rate: number
}

/** Running versions are looked up again this often (a version started meanwhile is told apart too). */
const REFRESH_MS = 5000

export async function sendTraffic(session: Session, entity: EntityRef, opts: TrafficOptions): Promise<TrafficResult> {
  const app = appOf(session)
  const label = entityLabel(entity)
  const subject = unversionedSubject(session.lattice, entity)
  const running = async () => {
    const subs = await listSubscriptions(session.conn, session.account)
    return {
      versions: otherRunningVersions(session.lattice, entity, [], subs),
      unversioned: countSubscribers(subs, subject, entityQueueGroup(entity)),
    }
  }
  session.deadline.at(`reading which versions of ${label} run`)
  const first = await running()
  if (Object.keys(first.versions).length === 0 && first.unversioned === 0) {
    throw new LatticeError(
      'NO_SUBSCRIBER',
      `Nothing subscribes to ${label} in lattice ${session.lattice} of account ${session.account}: every call would get "no responders".`,
      {
        hint: 'Start instances of the entity first (a host-core host, e.g. examples/host), and check --lattice, --account and, for a provider, --link; `lattice status` lists the routed entities.',
      },
    )
  }
  const caller = new Caller(app, subject, new TextEncoder().encode(opts.payload), opts.callTimeoutMs)
  await caller.start()
  await caller.watch(first.versions)
  const start = Date.now()
  const progress = (): TrafficProgress => ({ ...caller.counts(), elapsedMs: Date.now() - start })
  let skipped = 0
  let lastTick = start
  let lastRefresh = start
  let refreshing: Promise<void> | undefined
  try {
    for (;;) {
      const now = Date.now()
      if (opts.stopped() || (opts.durationMs !== undefined && now - start >= opts.durationMs)) break
      const due = Math.floor((opts.rate * (now - start)) / 1000) + 1 - skipped - caller.counts().sent
      // After a stall (a busy machine) the calls missed are skipped, not sent in one burst.
      if (due > opts.rate) skipped += due - opts.rate
      for (let i = Math.min(due, opts.rate); i > 0; i--) caller.send()
      caller.sweep()
      if (opts.onTick && now - lastTick >= (opts.tickMs ?? 1000)) {
        lastTick = now
        opts.onTick(progress())
      }
      if (!refreshing && now - lastRefresh >= REFRESH_MS) {
        lastRefresh = now
        // A failed look keeps the versions watched so far.
        refreshing = running()
          .then(
            (r) => caller.watch(r.versions),
            () => undefined,
          )
          .finally(() => (refreshing = undefined))
      }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, 1000 / opts.rate))))
    }
    // The last calls get their time to answer.
    const elapsedMs = Date.now() - start
    const until = Date.now() + opts.callTimeoutMs
    while (!caller.settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    await refreshing
    caller.sweep(true)
    const result: TrafficResult = { entity: label, subject, rate: opts.rate, ...caller.counts(), elapsedMs }
    const answered = sum(result.answered) + sum(result.failed) + result.unversioned.answered + result.unversioned.failed
    if (result.sent > 0 && answered === 0) {
      throw new LatticeError(
        'NO_ANSWER',
        `None of the ${result.sent} calls to ${label} was answered (${result.noResponders} no responders, ${result.timeouts} timeouts).`,
        {
          hint: 'No responders: the mapping sends the calls to a version nothing serves (or a fault drops them); see `lattice status`. Timeouts: the instances do not answer in --call-timeout.',
          details: { result },
        },
      )
    }
    return result
  } finally {
    caller.stop()
  }
}

export function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0)
}
