/**
 * Connecting to NATS. The only module (with claims.ts) that imports the NATS client, so that
 * moving to the @nats-io/* v3 packages touches few files. Connection failures become
 * LatticeErrors that carry the server's own words. A failure that the next attempt may not
 * meet (the server closed a handshake that came too late on a busy machine, a reset, no answer
 * yet) is retried with jittered backoff while the deadline allows; a refusal is not.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { type KeyObject, createPrivateKey, sign } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { type Authenticator, type MsgHdrs, type NatsConnection, connect, headers } from 'nats'
import { fromSeed } from 'nkeys.js'
import type { Credentials } from '../auth/creds-file.js'
import { Deadline, parseTimeout } from '../deadline.js'
import { LatticeError } from '../errors.js'
import { formatDuration } from '../plan/duration.js'
import { watchLink } from './link.js'
import { probeConnectError, speaksHttp } from './connect-diagnosis.js'
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

export interface ConnectOptions {
  servers: string
  creds?: Credentials
  /** Client name shown in the server's connz. */
  name?: string
  /** Longest single attempt (default CONNECT_ATTEMPT_MS). */
  timeoutMs?: number
  /** Attempts are retried until this passes (default: a deadline of its own, DEFAULT_TIMEOUT). */
  deadline?: Deadline
  /**
   * Once connected, reconnect (to any server of the list) when the server goes away, instead
   * of failing: for the state bucket, whose leader may move, and for long-running commands.
   */
  reconnect?: boolean
}

/** One attempt waits this long for the server's handshake (less when the deadline is nearer). */
export const CONNECT_ATTEMPT_MS = 5000
/** An attempt with less time than this left is not worth starting. */
const MIN_ATTEMPT_MS = 250

export function splitServers(servers: string): string[] {
  return servers.split(',').map((s) => s.trim()).filter(Boolean)
}

/**
 * nats.js 2.29 leaves the socket of an attempt open when it timed out before the server's INFO
 * arrived (its transport closes only connected sockets), which kept the process alive after
 * the error; and when the server closes a handshake (its auth timeout on a busy machine), it
 * notices only when its own timeout passes. So every socket an attempt opens is noted here:
 * the attempt fails as soon as the server closes one, and its sockets are destroyed when it fails.
 */
const attemptSockets = new AsyncLocalStorage<Socket[]>()
let noting = false
function noteSockets(): void {
  if (noting) return
  noting = true
  subscribe('net.client.socket', (msg) => attemptSockets.getStore()?.push((msg as { socket: Socket }).socket))
}

/** How often an attempt looks whether the server closed its socket (nats.js removes listeners, so look, not listen). */
const CLOSED_POLL_MS = 50

class CutShort extends Error {
  constructor(readonly code: string, message: string) {
    super(message)
  }
}

/** A server of the list answered HTTP (found while the handshake was still awaited). */
class NotNats extends Error {
  constructor(readonly server: string) {
    super(`${redactUrl(server)} answers HTTP`)
  }
}

/** An attempt still waiting for a NATS handshake this long asks whether the server speaks HTTP instead. */
const HTTP_SNIFF_AFTER_MS = 300

async function httpServer(servers: string[]): Promise<string | undefined> {
  const found = await Promise.all(servers.map((s) => speaksHttp(s)))
  return servers[found.indexOf(true)]
}

async function attempt(servers: string[], opts: ConnectOptions, timeoutMs: number): Promise<Connection> {
  noteSockets()
  const sockets: Socket[] = []
  let poll: NodeJS.Timeout | undefined
  let sniff: NodeJS.Timeout | undefined
  const connecting = attemptSockets.run(sockets, () =>
    connect({
      servers,
      name: opts.name ?? 'lattice',
      timeout: timeoutMs,
      // Our own deadlines bound every wait, so reconnecting has no limit of its own.
      ...(opts.reconnect ? { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, reconnectJitter: 100 } : { reconnect: false, maxReconnectAttempts: 0 }),
      ...(opts.creds ? { authenticator: credsAuthenticator(opts.creds) } : {}),
    }),
  )
  const closed = new Promise<never>((_, reject) => {
    poll = setInterval(() => {
      // Closed after the server spoke: a handshake cut short. (A server of the list that refused
      // never spoke; nats.js goes on to the next one.)
      const gone = sockets.find((s) => s.destroyed && s.bytesRead > 0)
      if (!gone) return
      const cause = (gone as Socket & { errored?: Error | null }).errored as (Error & { code?: string }) | null | undefined
      reject(new CutShort(cause?.code ?? 'CONNECTION_CLOSED', cause?.message ?? 'the server closed the connection during the handshake'))
    }, CLOSED_POLL_MS)
  })
  // A NATS server speaks first; an HTTP one (a monitoring port) would leave the handshake waiting out the attempt.
  const http = new Promise<never>((_, reject) => {
    sniff = setTimeout(() => void httpServer(servers).then((s) => s && reject(new NotNats(s)), () => undefined), HTTP_SNIFF_AFTER_MS)
  })
  try {
    return await Promise.race([connecting, closed, http])
  } catch (e) {
    connecting.then((nc) => nc.close(), () => undefined) // given up on: whatever it still does ends here
    for (const s of sockets) s.destroy()
    throw e
  } finally {
    clearInterval(poll)
    clearTimeout(sniff)
  }
}

const USER_JWT_RE = /-{3,}BEGIN NATS USER JWT-{3,}\s*\n\s*(\S+)\s*\n/
const USER_SEED_RE = /-{3,}BEGIN USER NKEY SEED-{3,}\s*\n\s*(SU[A-Z2-7]+)\s*\n/
// PKCS#8 header of a raw 32-byte ed25519 seed.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * Answers the server's nonce with Node's own ed25519, the key prepared before connecting.
 * nats.js's credsAuthenticator derives the key and signs in pure JavaScript inside the
 * handshake: milliseconds that, on a machine whose CPUs are all busy, stretched past the
 * server's auth timeout (it then closes the handshake: "Authentication Timeout", EPIPE).
 */
function credsAuthenticator(creds: Credentials): Authenticator {
  const text = new TextDecoder().decode(creds.bytes)
  const jwt = text.match(USER_JWT_RE)?.[1] ?? ''
  const kp = fromSeed(new TextEncoder().encode(text.match(USER_SEED_RE)?.[1] ?? ''))
  const key: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from((kp as ReturnType<typeof fromSeed> & { getRawSeed(): Uint8Array }).getRawSeed())]), format: 'der', type: 'pkcs8' })
  kp.clear()
  return (nonce?: string) => ({ jwt, ...(creds.user.publicKey ? { nkey: creds.user.publicKey } : {}), ...(nonce ? { sig: sign(null, Buffer.from(nonce), key).toString('base64url') } : {}) })
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
      const failure = await explainConnectError(e, servers, opts, timeoutMs, deadline)
      if (!failure.transient) throw failure.error
      last = failure.why
    }
    const pause = backoffMs(n)
    if (deadline.remainingMs() < pause + MIN_ATTEMPT_MS) {
      deadline.at(`connecting to NATS at ${where}`, 'The server kept cutting the handshake short (an overloaded server or client?): check the server and its log, or allow more time with --timeout (LATTICE_TIMEOUT).')
      throw deadline.expired(`${n} attempt${n === 1 ? '' : 's'}, the last one failed: ${last}`)
    }
    await sleep(pause)
  }
}

interface ConnectFailure {
  error: LatticeError
  /** The next attempt may succeed: retry while the deadline allows. */
  transient: boolean
  /** Short, for the step's description. */
  why: string
}

/** Socket errors of a handshake the server (or something in between) cut short. */
const CUT_SHORT = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'DISCONNECT'])

async function explainConnectError(e: unknown, servers: string[], opts: ConnectOptions, timeoutMs: number, deadline: Deadline): Promise<ConnectFailure> {
  const code = (e as { code?: string }).code ?? ''
  const chained = (e as { chainedError?: { code?: string; message?: string } }).chainedError
  const message = (e as Error).message ?? String(e)
  const where = servers.map(redactUrl).join(', ')
  const failed = (error: LatticeError, transient: boolean, why: string): ConnectFailure => ({ error, transient, why })
  if (e instanceof NotNats) {
    return failed(new LatticeError('NOT_NATS', `${redactUrl(e.server)} answers HTTP, not the NATS protocol.`, {
      hint: `That is likely nats-server's HTTP monitoring port (http_port, 8222 by default): give its client port in --server (or NATS_URL), e.g. nats://${new URL(e.server.includes('://') ? e.server : `nats://${e.server}`).hostname}:4222.`,
      details: { server: redactUrl(e.server) },
    }), false, 'answers HTTP')
  }
  // The server closes a handshake whose CONNECT came after its auth timeout: a busy client, not bad creds.
  if (code === 'AUTHENTICATION_TIMEOUT' || /authentication timeout/i.test(message)) {
    return failed(new LatticeError('CONNECTION_FAILED', `NATS at ${where} closed the connection: Authentication Timeout.`, { hint: 'The client was too slow to authenticate (a busy machine?); run the command again.' }), true, 'Authentication Timeout')
  }
  if (code === 'AUTHORIZATION_VIOLATION' || /authorization violation/i.test(message)) {
    return failed(new LatticeError('AUTHORIZATION', `NATS at ${where} refused the credentials: ${message}.`, {
      hint: opts.creds ? `Check that ${opts.creds.file} is a current user of the system account.` : 'Pass --creds (or set NATS_CREDS) with a system-account user.',
    }), false, message)
  }
  const socketCode = CUT_SHORT.has(code) ? code : CUT_SHORT.has(chained?.code ?? '') ? chained?.code : undefined
  if (socketCode) {
    const why = chained?.message ?? message
    return failed(new LatticeError('CONNECTION_FAILED', `Cannot connect to NATS at ${where}: ${why}.`, { hint: 'The connection was cut during the handshake; check the server and the network.' }), true, why)
  }
  if (code === 'CONNECTION_REFUSED' && chained?.code !== 'ECONNREFUSED' && !/ECONNREFUSED/.test(chained?.message ?? message)) {
    // nats.js reports a socket the server closed before its INFO as "refused" with no cause.
    return failed(new LatticeError('CONNECTION_FAILED', `NATS at ${where} closed the connection before its handshake.`, { hint: 'Check the server and the network.' }), true, 'closed before the handshake')
  }
  if (code === 'CONNECTION_REFUSED' || /ECONNREFUSED/.test(message)) {
    return failed(new LatticeError('CONNECTION_FAILED', `Cannot reach NATS at ${where}: connection refused.`, {
      hint: 'Check --server (or NATS_URL) and that nats-server is running there.',
    }), false, 'connection refused')
  }
  // nats.js reports a server -ERR during connect (e.g. connection limits) as a bare TIMEOUT:
  // ask the server ourselves to get its own words (if the deadline leaves time to ask).
  const probeMs = Math.min(2000, deadline.remainingMs())
  const serverSaid = probeMs >= MIN_ATTEMPT_MS ? await probeConnectError(servers[0], opts.creds?.bytes, probeMs).catch(() => undefined) : undefined
  if (serverSaid && /authentication timeout/i.test(serverSaid)) return explainConnectError(new Error(serverSaid), servers, opts, timeoutMs, deadline)
  if (serverSaid) {
    const auth = /authoriz|authentic|expired|revoked/i.test(serverSaid)
    return failed(new LatticeError(auth ? 'AUTHORIZATION' : 'CONNECTION_FAILED', `NATS at ${where} refused the connection: ${serverSaid}.`, {
      hint: auth ? 'Check --creds (or NATS_CREDS).' : 'The server gave this reason; fix it on the server or account side.',
    }), false, serverSaid)
  }
  if (code === 'TIMEOUT') {
    const why = `no handshake within ${formatDuration(timeoutMs)}`
    return failed(new LatticeError('TIMEOUT', `Timed out connecting to NATS at ${where} (${why}).`, { hint: 'Check --server (or NATS_URL), the network, and that the server is healthy.' }), true, why)
  }
  return failed(new LatticeError('CONNECTION_FAILED', `Cannot connect to NATS at ${where}: ${message}.`, { hint: 'Check --server (or NATS_URL).' }), false, message)
}
