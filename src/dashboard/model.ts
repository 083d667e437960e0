/**
 * What `lattice dashboard`'s server sends its page, and what the page sends back: the contract
 * between src/dashboard/ (Node) and the page (assets/dashboard/, plain browser JavaScript).
 *
 * Transport: server-sent events on GET /events?token=T. Each SSE message's `event:` is one of
 * the keys of DashboardEvents and its `data:` that type as JSON. On connect the server sends
 * `hello`, then `backfill`, then the latest `rollouts`, `history` and `servers`; afterwards
 * `frame` every interval and the others when they change (servers at least every 30 s).
 *
 * Actions: POST with header `X-Lattice-Token: T` and a JSON body (Content-Type
 * application/json) to the paths of DashboardActions; the answer is ActionAnswer (2xx when
 * ok). Refused with 403 without the right token, a wrong Origin, or with --read-only.
 * GET /api/snapshot?token=T answers Snapshot (the latest of each event) for scripts and tests.
 * The page itself is GET /?token=T (or GET / on a reload: the page keeps the token in the tab's
 * sessionStorage); a wrong token is refused. Its files (GET /assets/...) need no token (nothing in them is secret).
 * Every request is refused (421) unless its Host header names the address lattice listens on
 * (a DNS-rebinding page cannot reach it under another name).
 * No seed or creds content is ever part of any of these.
 */

export type EntityKindName = 'actor' | 'provider' | 'component' | 'service'

/** An entity as the page names it back in actions. */
export interface EntityId {
  kind: EntityKindName
  id: string
  /** Providers only. */
  link?: string
}

export interface Hello {
  lattice: string
  account: string
  /** Actions are hidden and refused. */
  readOnly: boolean
  /** lattice's own version. */
  version: string
  /** Time between frames. */
  intervalMs: number
  /** How far back the charts go (15 minutes). */
  windowMs: number
  /** The observed split is measured (--app-creds given); without it frames carry weights and instances only (optional, added by the server side). */
  observing?: boolean
  /** What the page should say once, e.g. no --app-creds, no --state-creds, no signing key (optional). */
  warnings?: string[]
}

export interface VersionFrame {
  version: string
  /** Set weight, percent (unscoped weights). */
  weight: number
  /** Observed share of the calls during the frame, percent; null when none were observed. */
  observed: number | null
  /** Calls per second during the frame. */
  rate: number
  /** Running instances (subscriptions on the versioned subject). */
  instances: number
  /** From host metrics reports, when the version's hosts report: errors / calls in the frame (0..1), null without calls. */
  errorRate?: number | null
  /** p95 latency in ms in the frame, null without calls. */
  p95Ms?: number | null
}

export interface EntityFrame {
  /** Stable key (entityKey): "actor MB…", "provider VA… default", "component hello". */
  key: string
  entity: EntityId
  /** Human label (entityLabel). */
  label: string
  scheme: 'wRPC' | 'versioned RPC' | 'NATS services'
  /** Where the observed counts came from. */
  observedBy?: 'reports' | 'subscription' | 'stats'
  versions: VersionFrame[]
  /** Percent dropped by a fault. */
  drop?: number
}

export interface Frame {
  /** Epoch ms at the end of the frame. */
  t: number
  entities: EntityFrame[]
}

/** One version's series in the backfill, aligned with `t`. */
export interface VersionSeries {
  weight: (number | null)[]
  observed: (number | null)[]
  errorRate?: (number | null)[]
  p95Ms?: (number | null)[]
}

/** The frames kept so far (at most windowMs), column-wise to stay small. */
export interface Backfill {
  /** Epoch ms of each point. */
  t: number[]
  /** entity key -> version -> series (null where the entity or version was absent). */
  series: Record<string, Record<string, VersionSeries>>
}

export interface RolloutEvent {
  time: string
  text: string
}

export interface AnalysisView {
  /** "on; this step: pass", "off (why)" or "-". */
  summary: string
  /** The step's last judgement: its outcome line, its versions' figures, one line per metric. */
  judgement?: { head: string; columns: string[]; rows: string[][]; verdicts: string[] }
}

export interface RolloutView {
  key: string
  entity: EntityId
  label: string
  phase: 'running' | 'paused' | 'completed' | 'rolled-back' | 'held' | 'failed'
  from: string
  to: string
  /** 1-based step being run, and how many. */
  step: number
  steps: number
  setWeight: number
  observedWeight?: number
  observedBy?: 'reports' | 'subscription' | 'stats'
  gates: { gate: string; pass: boolean; detail: string }[]
  /** The current step's analysis: drawn as the terminal view prints it, the versions as a table. */
  analysis: AnalysisView
  message?: string
  who: string
  startedAt: string
  updatedAt: string
  /** The last events this dashboard saw (newest last), at most 10. */
  events: RolloutEvent[]
  canAbort: boolean
  canPromote: boolean
}

export interface RolloutsEvent {
  rollouts: RolloutView[]
  /** Why there is no list (e.g. "History, locking and rollouts need --state-creds"). */
  unavailable?: string
}

export interface RevisionView {
  revision: number
  time: string
  /** user@host */
  who: string
  command: string
  /** One line per route changed, as `lattice history` prints them. */
  changes: string[]
  /** Rolling back to it would change something (not the latest revision). */
  canRollBack: boolean
}

export interface HistoryEvent {
  /** Newest first, at most 50. */
  revisions: RevisionView[]
  unavailable?: string
}

export interface ServerView {
  name: string
  cluster?: string
  version: string
  account: 'loaded' | 'idle'
  /** Runs the newest JWT (null when the account is not loaded there). */
  latest: boolean | null
  installed: boolean | null
}

export interface ServersEvent {
  servers: ServerView[]
  storedCopies?: { latest: number; total: number }
  warnings: string[]
}

/** The feed failed (connection lost, etc.); the page shows it until the next good event. */
export interface FeedError {
  code: string
  message: string
}

export interface DashboardEvents {
  hello: Hello
  backfill: Backfill
  frame: Frame
  rollouts: RolloutsEvent
  history: HistoryEvent
  servers: ServersEvent
  'feed-error': FeedError
}

export interface Snapshot {
  hello: Hello
  frame?: Frame
  rollouts?: RolloutsEvent
  history?: HistoryEvent
  servers?: ServersEvent
  /** The feed's last failure, until the next frame (optional, added by the server side). */
  feedError?: FeedError
}

/** POST paths and their bodies. */
export interface DashboardActions {
  '/api/rollout/abort': { entity: EntityId }
  '/api/rollout/promote': { entity: EntityId }
  '/api/rollback': { revision: number }
}

export type ActionAnswer =
  { ok: true; message: string } | { ok: false; error: { code: string; message: string; hint?: string } }

export const TOKEN_HEADER = 'x-lattice-token'
export const WINDOW_MS = 15 * 60_000

/** Figures the page keeps on `window.__latticeDashboard`, for the tests and the benchmark. */
export interface PageStats {
  /** Frames applied (drawn). */
  frames: number
  /** Frames received. */
  framesReceived: number
  /** `t` of the last frame applied. */
  lastFrameT: number
  /** Time of the last update (data + DOM + redraws), ms. */
  lastApplyMs: number
  maxApplyMs: number
  /** Date.now() - frame.t when the frame was drawn, ms (includes clock skew to the server). */
  lastLagMs: number
  chartsCreated: number
  chartsLive: number
  connects: number
  /** The last 1000 updates: their time (ms) and lag (ms), for the benchmark's percentiles. */
  recentApplyMs: number[]
  recentLagMs: number[]
  /** Of the last 1000 updates: the part spent redrawing charts (ms), and how many were redrawn. */
  recentRedrawMs: number[]
  recentRedrawn: number[]
  /** Parsing and taking in the last backfill (ms). */
  backfillMs: number
  /** Updates that drew at least one new frame. */
  draws: number
}
