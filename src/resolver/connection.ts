/**
 * Connecting to NATS. The only module (with connect-attempt.ts and claims.ts) that imports the
 * NATS client, so that moving to the @nats-io/* v3 packages touches few files. Connection failures become
 * LatticeErrors that carry the server's own words. A failure that the next attempt may not
 * meet (the server closed a handshake that came too late on a busy machine, a reset, no answer
 * yet) is retried with jittered backoff while the deadline allows; a refusal is not.
 */
import { type MsgHdrs, type NatsConnection, headers } from 'nats'
import { Deadline, parseTimeout } from '../deadline.js'
import { type AttemptOptions, MIN_ATTEMPT_MS, attempt } from './connect-attempt.js'
import { explainConnectError } from './connect-errors.js'
import { watchLink } from './link.js'
import { checkServerUrls, redactUrl } from './url.js'

export { redactUrl }

export type Connection = NatsConnection
export type { Msg, Subscription } from 'nats'

/** Message headers for a request or publish (built here so that callers stay free of the client). */
export function messageHeaders(fields: Record<string, string>): MsgHdrs {
  const h = headers()
  for (const [k, v] of Object.entries(fields)) h.set(k, v)
  return h
}

export interface ConnectOptions extends AttemptOptions {
  servers: string
  /** Longest single attempt (default CONNECT_ATTEMPT_MS). */
  timeoutMs?: number
  /** Attempts are retried until this passes (default: a deadline of its own, DEFAULT_TIMEOUT). */
  deadline?: Deadline
}

/** One attempt waits this long for the server's handshake (less when the deadline is nearer). */
export const CONNECT_ATTEMPT_MS = 5000

export function splitServers(servers: string): string[] {
  return servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Full jitter on an exponential step (100 ms, 200 ms, ... at most 2 s): concurrent clients spread out. */
export function backoffMs(attemptNo: number, random = Math.random): number {
  return Math.round(random() * Math.min(2000, 100 * 2 ** (attemptNo - 1)))
}

export async function openConnection(opts: ConnectOptions): Promise<Connection> {
  checkServerUrls(opts.servers, 'The server list (--server, NATS_URL or the nats context)')
  const servers = splitServers(opts.servers)
  const where = servers.map(redactUrl).join(', ')
  const deadline = opts.deadline ?? new Deadline(parseTimeout(undefined))
  let last: string | undefined
  for (let n = 1; ; n++) {
    deadline.at(`connecting to NATS at ${where}${last ? ` (attempt ${n}; the last one failed: ${last})` : ''}`)
    const timeoutMs = Math.min(opts.timeoutMs ?? CONNECT_ATTEMPT_MS, deadline.remainingMs())
    try {
      const nc = await attempt(servers, opts, timeoutMs)
      watchLink(nc, servers, deadline)
      return nc
    } catch (e) {
      const failure = await explainConnectError(e, servers, opts.creds, timeoutMs, deadline)
      if (!failure.transient) throw failure.error
      last = failure.why
    }
    const pause = backoffMs(n)
    if (deadline.remainingMs() < pause + MIN_ATTEMPT_MS) {
      deadline.at(
        `connecting to NATS at ${where}`,
        'The server kept cutting the handshake short (an overloaded server or client?): check the server and its log, or allow more time with --timeout (LATTICE_TIMEOUT).',
      )
      throw deadline.expired(`${n} attempt${n === 1 ? '' : 's'}, the last one failed: ${last}`)
    }
    await sleep(pause)
  }
}
