/**
 * The state bucket's health as the cluster sees it (how many replicas it has and could have,
 * where they are), and changing its replica count: `status --servers`, `lattice state`.
 */
import { LatticeError } from '../errors.js'
import { allowedReplicas, jetStreamServers } from '../resolver/jetstream.js'
import { KnownServers } from '../state/known-servers.js'
import type { BucketInfo } from '../state/store.js'
import type { Session } from './session.js'

export interface StateHealth extends BucketInfo {
  /** Replicas the cluster allows: one per JetStream server (those down included), up to 3. */
  allowed: number
  /** JetStream servers that did not answer. */
  missingServers: string[]
  warnings: string[]
}

export async function stateHealth(session: Session): Promise<StateHealth> {
  const store = requireState(session)
  const [info, servers] = await Promise.all([store.info(), jetStreamServers(session.conn)])
  const allowed = allowedReplicas(servers)
  const warnings: string[] = []
  if (info.replicas < allowed)
    warnings.push(
      `The state bucket ${info.bucket} has ${info.replicas} replica${info.replicas === 1 ? '' : 's'} where the cluster allows ${allowed}: losing ${info.replicas === 1 ? 'the server that holds it' : 'servers that hold it'} stops history and locking. Raise it with \`lattice state scale\`.`,
    )
  const offline = info.followers.filter((f) => f.offline).map((f) => f.server)
  if (offline.length) warnings.push(`Replicas of ${info.bucket} offline: ${offline.join(', ')}.`)
  // A single server's stream may name no leader: only a replicated one waits for an election.
  if (!info.leader && info.replicas > 1)
    warnings.push(`The state bucket ${info.bucket} has no leader now: history and locking wait until one is elected.`)
  return { ...info, allowed, missingServers: servers.missing, warnings }
}

export interface ScaleResult {
  bucket: string
  before: number
  after: number
  health: StateHealth
}

/** Set the bucket's replica count in place (default: what the cluster allows). */
export async function scaleState(session: Session, replicas?: number): Promise<ScaleResult> {
  const store = requireState(session)
  const before = await stateHealth(session)
  const target = replicas ?? before.allowed
  const servers = before.followers.length + 1 + before.missingServers.length
  if (replicas !== undefined && replicas > Math.max(servers, before.allowed)) {
    throw new LatticeError(
      'INVALID_REPLICAS',
      `${replicas} replicas need ${replicas} JetStream servers; ${before.allowed === 1 ? 'one answers' : `${before.allowed} are known`}.`,
      { hint: `Pass --replicas ${before.allowed} or fewer, or add JetStream servers first.` },
    )
  }
  if (target === before.replicas)
    return { bucket: before.bucket, before: before.replicas, after: target, health: before }
  await store.scale(target)
  return { bucket: before.bucket, before: before.replicas, after: target, health: await settled(session, target) }
}

/** Once scaled, the servers elect a leader and copy the records: report when that is done (or as it stands after SETTLE_MS). */
async function settled(session: Session, replicas: number): Promise<StateHealth> {
  const until = Date.now() + SETTLE_MS
  for (;;) {
    const health = await stateHealth(session)
    const done = health.leader && health.followers.length === replicas - 1 && health.followers.every((f) => f.current)
    if (done || Date.now() > until) return health
    await new Promise((r) => setTimeout(r, 250))
  }
}

const SETTLE_MS = 15_000

export interface ForgetResult {
  forgotten: string[]
  /** What is still remembered. */
  known: string[]
}

/** Forget a server or leaf removed for good: later changes no longer name it as missing. */
export async function forgetServer(session: Session, name: string): Promise<ForgetResult> {
  const known = new KnownServers(requireState(session), session.account)
  const before = (await known.list()).map((k) => k.name)
  if (!before.includes(name)) {
    throw new LatticeError(
      'UNKNOWN_SERVER',
      `${name} is not among the servers and leaves remembered for account ${session.account}${before.length ? ` (${before.join(', ')})` : ' (none is)'}. Nothing was changed.`,
      {
        hint: 'Pass a name as `lattice status --servers` shows it.',
      },
    )
  }
  const forgotten = await known.forget([name])
  return { forgotten, known: before.filter((n) => !forgotten.includes(n)) }
}

function requireState(session: Session) {
  if (!session.journal) {
    throw new LatticeError('NO_STATE', 'This needs the state bucket: pass --state-creds (LATTICE_STATE_CREDS).', {
      hint: 'Use creds of a user in an account with JetStream.',
    })
  }
  return session.journal.store
}
