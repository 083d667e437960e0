/**
 * The dashboard's live data: the watch loop's frames (with instances from status), and, each on
 * its own clock, the servers, the rollout records and the history. Each is sent when it changed;
 * a failure is a `feed-error` event and the feed keeps trying (a new session when the old one
 * is gone).
 */
import { isLatticeError } from '../errors.js'
import { history } from '../ops/history.js'
import { type WatchFrame, watch } from '../ops/watch-split.js'
import { rolloutsOf } from '../rollout/record-access.js'
import { type Session, type Target, withSession } from '../ops/session.js'
import { type RouteStatus, status } from '../ops/status.js'
import type { RolloutRecord } from '../rollout/records/rollout-store.js'
import { entityKey } from '../subjects/index.js'
import type { ObserveMode } from '../traffic/observation.js'
import type { DashboardEvents, Frame, RolloutEvent, Snapshot } from './model.js'
import { Series } from './series.js'
import { frameOf, revisionsOf, rolloutEvents, rolloutOf, serversOf } from './results-to-model.js'

export type Emit = <K extends keyof DashboardEvents>(event: K, data: DashboardEvents[K]) => void

export const NO_STATE = 'History, locking and rollouts need --state-creds (LATTICE_STATE_CREDS).'

/** How often each part is re-read, in ms. */
export const REFRESH = {
  instances: 5_000,
  servers: 10_000,
  serversAtLeast: 30_000,
  rollouts: 2_000,
  history: 5_000,
  retry: 2_000,
}
const HISTORY_LIMIT = 50
const EVENTS_KEPT = 10

export interface FeedOptions {
  intervalMs: number
  observe: ObserveMode
  readOnly: boolean
  windowMs: number
}

export class Feed {
  readonly series: Series
  /** The latest of each event (what a new page gets first, and /api/snapshot). */
  readonly latest: Omit<Snapshot, 'hello'> = {}
  /** The session the feed runs in, while it has one (actions use it too). */
  session?: Session
  private routes: RouteStatus[] = []
  private sent = new Map<string, string>()
  private serversSentAt = 0
  private records = new Map<string, RolloutRecord>()
  private events = new Map<string, RolloutEvent[]>()

  constructor(
    private readonly target: Target,
    private readonly opts: FeedOptions,
    private readonly emit: Emit,
  ) {
    this.series = new Series(opts.windowMs)
  }

  /** Run until `stopped`; never throws (failures are feed-error events, then a retry). */
  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      try {
        await withSession(this.target, async (s) => {
          this.session = s
          let lost: unknown
          const fail = (e: unknown) => (lost ??= e)
          const done = () => stopped() || lost !== undefined
          await Promise.all([this.frames(s, done).catch(fail), this.refreshes(s, done)])
          if (lost !== undefined) throw lost
        })
      } catch (e) {
        this.error(e)
      } finally {
        this.session = undefined
      }
      await sleepUnless(REFRESH.retry, stopped)
    }
  }

  private error(e: unknown): void {
    const err = isLatticeError(e)
      ? { code: e.code, message: e.message }
      : { code: 'FEED', message: e instanceof Error ? e.message : String(e) }
    this.latest.feedError = err
    this.emit('feed-error', err)
  }

  /** Frames: watch's when there is an application connection to observe with, else weights and instances alone. */
  private async frames(s: Session, done: () => boolean): Promise<void> {
    await this.readStatus(s)
    // Routes every 2 frames: a shift made elsewhere shows as the new set weight within about 2 s.
    if (s.app)
      return watch(
        s,
        [],
        { intervalMs: this.opts.intervalMs, stopped: done, observe: this.opts.observe, routesEvery: 2 },
        (f) => this.frame(frameOf(this.routes, f as WatchFrame)),
      )
    while (!done()) {
      await sleepUnless(this.opts.intervalMs, done)
      if (!done()) this.frame(frameOf(this.routes, undefined))
    }
  }

  private frame(f: Frame): void {
    this.series.add(f)
    this.latest.frame = f
    delete this.latest.feedError
    this.emit('frame', f)
  }

  private async readStatus(s: Session): Promise<void> {
    this.routes = (await status(s)).routes
  }

  /** Instances, servers, rollouts and history, each on its own clock; a failure is reported and retried at the next tick. */
  private async refreshes(s: Session, done: () => boolean): Promise<void> {
    const due = { instances: Date.now() + REFRESH.instances, servers: 0, rollouts: 0, history: 0 }
    while (!done()) {
      const now = Date.now()
      const jobs: Promise<void>[] = []
      const every = (name: keyof typeof due, ms: number, job: () => Promise<void>) => {
        if (now < due[name]) return
        due[name] = now + ms
        jobs.push(job().catch((e) => this.error(e)))
      }
      every('instances', REFRESH.instances, () => this.readStatus(s))
      every('servers', REFRESH.servers, () => this.servers(s))
      every('rollouts', REFRESH.rollouts, () => this.rollouts(s))
      every('history', REFRESH.history, () => this.history(s))
      await Promise.all(jobs)
      await sleepUnless(250, done)
    }
  }

  /** Send `data` as `event` when it differs from what was sent last (or `always`). */
  private changed<K extends 'servers' | 'rollouts' | 'history'>(
    event: K,
    data: DashboardEvents[K],
    always = false,
  ): void {
    const text = JSON.stringify(data)
    this.latest[event] = data as Snapshot[K]
    if (!always && this.sent.get(event) === text) return
    this.sent.set(event, text)
    this.emit(event, data)
  }

  private async servers(s: Session): Promise<void> {
    const view = serversOf(await status(s, { servers: true }))
    const stale = Date.now() - this.serversSentAt >= REFRESH.serversAtLeast
    if (stale) this.serversSentAt = Date.now()
    this.changed('servers', view, stale)
  }

  private async rollouts(s: Session): Promise<void> {
    if (!s.journal) return this.changed('rollouts', { rollouts: [], unavailable: NO_STATE })
    const records = (await rolloutsOf(s).list()).filter((r) => r.lattice === s.lattice)
    for (const r of records) {
      const key = entityKey(r.plan.entity)
      this.events.set(
        key,
        rolloutEvents(this.records.get(key), r, this.events.get(key) ?? [], new Date().toISOString(), EVENTS_KEPT),
      )
      this.records.set(key, r)
    }
    // Running ones first, then the most recently updated.
    const active = (r: RolloutRecord) => (r.phase === 'running' || r.phase === 'paused' || r.phase === 'held' ? 0 : 1)
    records.sort((a, b) => active(a) - active(b) || b.updatedAt.localeCompare(a.updatedAt))
    this.changed('rollouts', {
      rollouts: records.map((r) => rolloutOf(r, this.events.get(entityKey(r.plan.entity)) ?? [], this.opts.readOnly)),
    })
  }

  private async history(s: Session): Promise<void> {
    if (!s.journal) return this.changed('history', { revisions: [], unavailable: NO_STATE })
    this.changed('history', { revisions: revisionsOf(await history(s), HISTORY_LIMIT, this.opts.readOnly) })
  }

  /** Read the rollouts and history again now (after an action), instead of at their next tick. */
  async refreshAfterAction(): Promise<void> {
    const s = this.session
    if (!s) return
    await Promise.all([this.rollouts(s).catch((e) => this.error(e)), this.history(s).catch((e) => this.error(e))])
  }
}

async function sleepUnless(ms: number, early: () => boolean): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end && !early()) await new Promise((r) => setTimeout(r, Math.min(100, end - Date.now())))
}
