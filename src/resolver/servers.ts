/**
 * Asking every server at once, as a system-account user. Each server answers a
 * `$SYS.REQ.SERVER.PING[.X]` request once; a server that is down stays silent, so we collect
 * replies until a quiet period passes (or until the number we expect have answered).
 *   $SYS.REQ.SERVER.PING           -> who is there (name, cluster, version)
 *   $SYS.REQ.SERVER.PING.ACCOUNTZ  -> what each server has installed for one account
 */
import { RequestStrategy } from 'nats'
import { LatticeError } from '../errors.js'
import type { Connection } from './connection.js'

export interface GatherOptions {
  /** Stop after this long without a new reply. */
  quietMs?: number
  /** Stop after this long in any case. */
  maxWaitMs?: number
  /** Stop as soon as this many have answered. */
  expected?: number
  /** Stop when this settles (another question already told the answer). */
  until?: Promise<unknown>
  /** Called with each empty reply (a server saying it has nothing); those count toward `expected` too. */
  onEmpty?: () => void
  /** No one subscribes to the subject: an error (no server answered), or no answers (nobody to ask, e.g. no service). */
  noResponders?: 'error' | 'empty'
}

/** Default quiet period: servers of one cluster answer within milliseconds of each other. */
export const QUIET_MS = Number(process.env.LATTICE_QUIET_MS) || 150

/**
 * The quiet period of a second look, before lattice refuses a change or names a server missing
 * on the strength of a reply that did not come: over gateways on a loaded machine a server can
 * answer later than QUIET_MS after the others.
 */
export const PATIENT_QUIET_MS = Math.max(QUIET_MS, 1000)

const NO_SYSTEM_HINT = 'Use --creds (NATS_CREDS) of a system-account user.'

/** Send one request to every server (or every subscriber) and collect the raw replies. */
export async function gather(
  nc: Connection,
  subject: string,
  body: string,
  opts: GatherOptions = {},
): Promise<string[]> {
  const out: string[] = []
  try {
    const iter = await nc.requestMany(subject, new TextEncoder().encode(body), {
      strategy: RequestStrategy.JitterTimer,
      jitter: opts.quietMs ?? QUIET_MS,
      maxWait: opts.maxWaitMs ?? 3000,
    })
    // nats.js hands back a QueuedIterator (typed as a plain AsyncIterable): stop() ends the loop below.
    opts.until?.then(
      () => (iter as AsyncIterable<unknown> & { stop?: () => void }).stop?.(),
      () => undefined,
    )
    let answers = 0
    for await (const msg of iter) {
      answers++
      if (msg.data.length > 0) out.push(new TextDecoder().decode(msg.data))
      else opts.onEmpty?.()
      if (opts.expected !== undefined && answers >= opts.expected) break
    }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === '503' || /no responders/i.test((e as Error).message ?? '')) {
      if (opts.noResponders === 'empty') return out
      throw new LatticeError('NO_RESOLVER', `No NATS server answered ${subject}.`, { hint: NO_SYSTEM_HINT })
    }
    // The client ends every pending request with TIMEOUT when its connection closes under it.
    if (nc.isClosed() || code === 'CONNECTION_CLOSED' || code === 'DISCONNECT') {
      throw new LatticeError(
        'CONNECTION_LOST',
        `The connection to NATS was lost while asking the servers (${subject}).`,
        {
          hint: 'Check that the servers run (`lattice status --servers` shows what each one runs), then run the command again.',
          cause: e,
          details: { subject },
        },
      )
    }
    if (code === 'TIMEOUT') {
      throw new LatticeError('TIMEOUT', `No answer while asking the servers (${subject}): ${(e as Error).message}.`, {
        hint: "Check the server's health; `lattice status --servers` shows what each server runs.",
        cause: e,
      })
    }
    throw e
  }
  return out
}

export interface ServerIdentity {
  name: string
  id: string
  cluster?: string
  version: string
}

interface ServerBlock {
  name?: string
  id?: string
  cluster?: string
  ver?: string
}

function identity(server: ServerBlock | undefined): ServerIdentity {
  return {
    name: server?.name || server?.id || 'unknown',
    id: server?.id ?? '',
    ...(server?.cluster ? { cluster: server.cluster } : {}),
    version: server?.ver ?? 'unknown',
  }
}

/** Every server that answers a ping, sorted by name. */
export async function pingServers(nc: Connection, opts: GatherOptions = {}): Promise<ServerIdentity[]> {
  const replies = await gather(nc, '$SYS.REQ.SERVER.PING', '', opts)
  const servers = new Map<string, ServerIdentity>()
  for (const text of replies) {
    try {
      const s = identity((JSON.parse(text) as { server?: ServerBlock }).server)
      servers.set(s.id || s.name, s)
    } catch {
      // not a server's statsz; ignore
    }
  }
  if (servers.size === 0)
    throw new LatticeError('NO_RESOLVER', 'No NATS server answered the server ping.', { hint: NO_SYSTEM_HINT })
  return [...servers.values()].sort((a, b) => a.name.localeCompare(b.name))
}

export interface AccountOnServer {
  server: ServerIdentity
  /** False when no client of the account has connected to that server yet (nothing installed). */
  loaded: boolean
  /** The JWT the account runs with on that server. */
  jwt?: string
  /** Installed mappings, in the server's own form (weights cumulative, see plan/installed.ts). */
  mappings?: Record<string, { subject: string; weight?: number; cluster?: string }[]>
}

/** What each server has installed for `account` (ACCOUNTZ). */
export async function accountOnServers(
  nc: Connection,
  account: string,
  opts: GatherOptions = {},
): Promise<AccountOnServer[]> {
  const replies = await gather(nc, '$SYS.REQ.SERVER.PING.ACCOUNTZ', JSON.stringify({ account }), opts)
  const out: AccountOnServer[] = []
  for (const text of replies) {
    let body: {
      server?: ServerBlock
      data?: { account_detail?: { jwt?: string; mappings?: AccountOnServer['mappings'] } }
    }
    try {
      body = JSON.parse(text)
    } catch {
      continue
    }
    const detail = body.data?.account_detail
    out.push({
      server: identity(body.server),
      loaded: Boolean(detail),
      ...(detail?.jwt ? { jwt: detail.jwt } : {}),
      ...(detail?.mappings ? { mappings: detail.mappings } : {}),
    })
  }
  return out.sort((a, b) => a.server.name.localeCompare(b.server.name))
}

/**
 * How many other servers `serverId` has routes to (a cluster is a full mesh, so the cluster has
 * one more server than this; peers are counted once even when 2.10 pools several routes to
 * each). Undefined when it cannot tell; callers then wait for a quiet period instead. Servers
 * beyond the cluster (gateways, leafnodes) are not counted: callers check VARZ for those.
 */
export async function routePeers(nc: Connection, serverId: string | undefined): Promise<number | undefined> {
  if (!serverId) return undefined
  try {
    const reply = await nc.request(`$SYS.REQ.SERVER.${serverId}.ROUTEZ`, new TextEncoder().encode('{}'), {
      timeout: 1000,
    })
    const body = JSON.parse(new TextDecoder().decode(reply.data)) as { data?: { routes?: { remote_id?: string }[] } }
    return new Set((body.data?.routes ?? []).map((r) => r.remote_id)).size
  } catch {
    return undefined
  }
}
