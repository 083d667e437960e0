/** The shapes of a routing change (what to change, the live state it is planned on, its result), shared by change.ts and the steps it calls. */
import type { AccountClaims } from '../account/account.js'
import type { InstalledDifference } from '../plan/installed.js'
import type { EntityChange, Mappings, Route, RouteChange } from '../plan/routes.js'
import type { ServerRules } from '../plan/server-rules.js'
import type { Spec } from '../spec/parse.js'
import type { ServerReply } from '../resolver/claims.js'
import type { ServerFacts } from '../resolver/server-info.js'
import type { ServerIdentity } from '../resolver/servers.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import type { KnownServer } from '../state/known-servers.js'
import type { Bypass } from './bypasses.js'
import type { TopologyView } from './topology-view.js'

export type { EntityChange }

/** One server's part in a change: its answer to the push and what it has installed since. */
export interface ServerReport extends ServerReply {
  version?: string
  /**
   * yes: the server runs the account with our JWT and mappings; idle: no client of the account
   * is connected there, so only the stored copy (acknowledged) exists; no: it runs something else.
   */
  installed?: 'yes' | 'idle' | 'no'
  /** The subjects it runs differently from the JWT pushed (installed: no). */
  differences?: InstalledDifference[]
  /** It runs another JWT than the one pushed: that one's iat (0 when unknown). */
  runsJwtIssuedAt?: number
}

export interface ChangeResult {
  account: string
  lattice: string
  changes: EntityChange[]
  dryRun: boolean
  pushed: boolean
  /** Every server that answered the ping or the push, with its answer to the push; empty when nothing was pushed (plans, dry runs, no change). */
  servers: ServerReport[]
  /** Acknowledgements required (--min-acks; default every server that answered the ping). */
  minAcks: number
  /** Every server that acknowledged runs (or has stored, when idle) the new JWT. */
  confirmed: boolean
  /** The mappings for the changed subjects as written (or as they would be, on a dry run). */
  mappings: Mappings
  /** iat of the JWT pushed. */
  issuedAt?: number
  /** The lattice revision this change was recorded as (with --state-creds). */
  revision?: number
  /** Another writer committed first: this change was planned again on top of revision N. */
  rebasedFrom?: number
  /** History and locking: on with --state-creds. */
  history: 'on' | 'off'
  /** Pushed with --without-state while the state was unreachable: no lock, no history yet. */
  withoutState?: true
  /** Leaves and servers that do not run the pushed JWT (the command then fails with PARTLY_LIVE). */
  bypassed?: Bypass[]
  warnings: string[]
}

/** What to change, given the live routes (and the live state, e.g. the clusters that exist). */
export type Planner = (routes: Map<string, Route>, live: LiveState) => RouteChange[]

export interface ChangeOptions {
  dryRun: boolean
  /** Give weight to versions nothing subscribes to (skips the readiness gate). */
  force?: boolean
  /** Fewer acknowledgements than this fails the command (default: every server that answered the ping). */
  minAcks?: number
  /** Change entities whose routing was changed outside lattice (drift). */
  acceptDrift?: boolean
  /** The command line, for the history. */
  command?: string
  /** A rollback records which revision it restored. */
  rolledBackTo?: number
  /** A change that part of the lattice bypasses: fail with PARTLY_LIVE (default), or only warn (the way back of a rollout). */
  partlyLive?: 'fail' | 'warn'
  /** A rollout's own step or its way back: a running rollout of the entity does not stop it. */
  rolloutStep?: boolean
  /** The spec file being applied: a change that would undo a completed rollout is refused (LIVE_NEWER). */
  spec?: Spec
}

/** A change worked out against one live state, ready to push. */
export interface PlannedChange {
  result: ChangeResult
  /** The successor, signed (absent when nothing changes, or on a dry run without a key). */
  signed?: { jwt: string; iat: number; claims: AccountClaims }
}

export interface LiveState {
  jwt: string
  claims: AccountClaims
  facts: ServerFacts
  /** Every server that answered the ping. */
  servers: ServerIdentity[]
  /** The rules of the oldest server version in the cluster. */
  rules: ServerRules
  /** Every subscription in the account (asked for up front, with the rest; the readiness gate reads it). */
  subscriptions: () => Promise<Subscriber[]>
  /** Leaves and gateways (asked for up front too). */
  topology: () => Promise<TopologyView>
  /** Servers and leaves seen in earlier changes (with --state-creds; empty without). */
  known: () => Promise<KnownServer[]>
  /** Things the user should know that do not stop the command. */
  warnings: string[]
}
