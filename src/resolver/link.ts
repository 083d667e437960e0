/**
 * What a connection's client has seen happen to it: lost (and since when), reconnecting,
 * back. Errors and deadlines then say what was observed (the connection lost, the server
 * refusing new ones) instead of guessing at a silent server, and a connection that is gone
 * for good is given up on at once rather than waited out.
 */
import { createConnection } from 'node:net'
import type { NatsConnection } from 'nats'
import type { Deadline } from '../deadline.js'
import { LatticeError, isLatticeError, ExitCode } from '../errors.js'
import { redactUrl } from './url.js'

export interface Link {
  /** The servers the client may go to (the URLs given, and those the cluster advertised). */
  servers: () => string[]
  /** When the connection was lost, while it is not back. */
  lostAt?: number
  /** The server it was connected to when it was lost. */
  lostFrom?: string
}

const links = new WeakMap<NatsConnection, Link>()

/** Follow `nc`'s status; while it is lost, `deadline` knows (and says so if time runs out). */
export function watchLink(nc: NatsConnection, given: string[], deadline?: Deadline): Link {
  const link: Link = {
    servers: () => [...new Set([...given, ...(nc.info?.connect_urls ?? []).map((u) => `nats://${u}`)])],
  }
  links.set(nc, link)
  const where = given.map(redactUrl).join(', ')
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        link.lostAt = Date.now()
        link.lostFrom = String(s.data)
        // Keyed by the servers, not the connection: two connections lost from one server are one fact.
        deadline?.observe(where, `the connection to NATS at ${where} was lost and not regained`)
      } else if (s.type === 'reconnect') {
        link.lostAt = undefined
        deadline?.observe(where, undefined)
      }
    }
  })().catch(() => undefined)
  return link
}

/** How long a lost connection may take to come back before lattice asks whether any server takes connections. */
export const LOST_GRACE_MS = 1500

/**
 * A lost connection that will not come back soon: lost for over LOST_GRACE_MS and every server
 * it could go to refuses new connections (nothing listens there). Undefined otherwise.
 */
export async function goneForGood(nc: NatsConnection): Promise<string | undefined> {
  const link = links.get(nc)
  if (nc.isClosed()) return `the connection to NATS${link?.lostFrom ? ` at ${redactUrl(link.lostFrom)}` : ''} was lost`
  if (!link || link.lostAt === undefined || Date.now() - link.lostAt < LOST_GRACE_MS) return undefined
  const servers = link.servers()
  const answers = await Promise.all(servers.map((s) => tcpAnswer(s)))
  if (!answers.every((a) => a === 'refused')) return undefined
  return `the connection to NATS was lost and ${servers.length === 1 ? `the server at ${redactUrl(servers[0])} refuses` : `every server (${servers.map(redactUrl).join(', ')}) refuses`} new connections`
}

/** The connection is gone for good (see goneForGood): its message says what was observed. */
export class LinkGone extends Error {}

/** How often a lost connection is looked at while a request waits on it. */
const LOST_POLL_MS = 250

/** `work`, unless `nc` is gone for good first (then LinkGone, without waiting out the request's own timeout). */
export async function unlessGone<T>(nc: NatsConnection, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const gone = new Promise<never>((_, reject) => {
    const look = () => {
      timer = setTimeout(async () => {
        const why = links.get(nc)?.lostAt === undefined ? undefined : await goneForGood(nc)
        if (why) reject(new LinkGone(why))
        else look()
      }, LOST_POLL_MS)
    }
    look()
  })
  try {
    return await Promise.race([work, gone])
  } finally {
    clearTimeout(timer)
  }
}

/** Does anything accept a TCP connection at `server`? */
export function tcpAnswer(server: string, ms = 1000): Promise<'open' | 'refused' | 'no answer'> {
  let url: URL
  try {
    url = new URL(server.includes('://') ? server : `nats://${server}`)
  } catch {
    return Promise.resolve('no answer')
  }
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) })
    const done = (a: 'open' | 'refused' | 'no answer') => {
      clearTimeout(timer)
      socket.destroy()
      resolve(a)
    }
    const timer = setTimeout(() => done('no answer'), ms)
    socket.once('connect', () => done('open'))
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'no answer'))
  })
}

/** nats.js error codes (and socket errors) that mean the connection failed under a request. */
const NETWORK_CODES = new Set([
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'DISCONNECT',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'CONNECTION_TIMEOUT',
  'STALE_CONNECTION',
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
])

/** A fault of the network or a server (not of lattice): a client error of that kind, or a lattice error with the connection's exit code. */
export function isNetworkFault(e: unknown): boolean {
  if (isLatticeError(e)) return e.exitCode === ExitCode.CONNECTION
  return NETWORK_CODES.has(String((e as { code?: unknown })?.code ?? ''))
}

/** A client error that escaped (the connection failed under a request) as lattice's error. */
export function connectionLost(e: unknown, step: string): LatticeError {
  if (isLatticeError(e)) return e
  const code = String((e as { code?: unknown })?.code ?? '')
  return new LatticeError(
    'CONNECTION_LOST',
    `The connection to NATS failed while ${step} (${code || (e as Error)?.message}).`,
    {
      hint: 'Check that the servers run and the network between (`lattice status --servers`), then run the command again.',
      details: { step, cause: code },
      cause: e,
    },
  )
}
