/**
 * Where the state bucket lives: the replica count a new bucket gets (one per JetStream server,
 * up to 3; LATTICE_STATE_REPLICAS overrides), and, when it does not answer, which servers are
 * missing. Asked over the system-account connection, which can see every server.
 */
import { LatticeError, isLatticeError } from '../errors.js'
import type { Connection } from '../resolver/connection.js'
import { MAX_REPLICAS, jetStreamServers } from '../resolver/jetstream.js'
import { BUCKET } from './availability.js'
import { WITHOUT_STATE_HINT } from './without-state-words.js'

/** LATTICE_STATE_REPLICAS, when set: the replica count a new bucket gets, whatever the cluster. */
export function replicasOverride(env = process.env): number | undefined {
  const text = env.LATTICE_STATE_REPLICAS
  if (text === undefined || text === '') return undefined
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1 || n > 5) {
    throw new LatticeError('INVALID_REPLICAS', `LATTICE_STATE_REPLICAS=${text} is not a replica count.`, {
      hint: 'Set it to a whole number from 1 to 5 (JetStream allows at most 5), or unset it to let lattice choose.',
    })
  }
  return n
}

/**
 * The replicas a new bucket gets: one per JetStream server that answers, up to 3 (a server down
 * now cannot take a replica), and no more than one cluster of a supercluster has: JetStream
 * places a stream's replicas within one cluster.
 */
export async function replicasForNewBucket(conn: Connection): Promise<number> {
  const override = replicasOverride()
  if (override !== undefined) return override
  try {
    const servers = await jetStreamServers(conn)
    return Math.max(1, Math.min(MAX_REPLICAS, servers.largestCluster))
  } catch {
    return 1 // cannot ask (not a system user?): one replica, which `status --servers` then reports
  }
}

/** STATE_UNAVAILABLE, with the JetStream servers that did not answer named (when the system user can ask). */
export async function withMissingServers(e: unknown, conn: Connection | undefined): Promise<unknown> {
  if (!isLatticeError(e) || e.code !== 'STATE_UNAVAILABLE' || !conn) return e
  const servers = await jetStreamServers(conn).catch(() => undefined)
  return servers ? namingMissingServers(e, servers) : e
}

/**
 * The error with the servers named. JetStream silent while servers are missing is a cluster
 * between meta leaders (the leader was on a server that went away) or without a majority, not
 * an account without JetStream: say that, and how to go on.
 */
export function namingMissingServers(e: LatticeError, servers: { online: string[]; missing: string[] }): LatticeError {
  const known = [...servers.online, ...servers.missing].sort()
  const missing = servers.missing.length
    ? `JetStream servers not answering: ${servers.missing.join(', ')} (of ${known.join(', ')}).`
    : `Every JetStream server answers (${known.join(', ') || 'none'}).`
  const details = { ...e.details, jetStreamServers: servers.online, missingServers: servers.missing }
  if (servers.missing.length > 0 && e.details?.noJetStreamAnswer) {
    return new LatticeError(
      'STATE_UNAVAILABLE',
      `The state bucket ${BUCKET} cannot be opened: JetStream did not answer while servers are missing (the cluster electing a new leader after losing one, or without a majority of its servers). History and locking are off while it is unreachable. ${missing}`,
      {
        hint: `Bring the missing servers back (\`lattice status --servers\` shows them), or retry in a few seconds if one has just gone away. ${WITHOUT_STATE_HINT}`,
        details,
      },
    )
  }
  return new LatticeError('STATE_UNAVAILABLE', `${e.message} ${missing}`, { hint: e.hint, details })
}
