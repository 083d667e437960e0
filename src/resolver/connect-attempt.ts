/**
 * One attempt to connect to NATS: the handshake, failed early when the server closes it or
 * turns out to speak HTTP, and answered with a key prepared before connecting.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { type KeyObject, createPrivateKey, sign } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import { type Authenticator, type NatsConnection, connect } from 'nats'
import { fromSeed } from 'nkeys.js'
import type { Credentials } from '../auth/creds-file.js'
import { speaksHttp } from './connect-diagnosis.js'
import { redactUrl } from './url.js'

/** An attempt with less time than this left is not worth starting. */
export const MIN_ATTEMPT_MS = 250

export interface AttemptOptions {
  creds?: Credentials
  /** Client name shown in the server's connz. */
  name?: string
  /**
   * Once connected, reconnect (to any server of the list) when the server goes away, instead
   * of failing: for the state bucket, whose leader may move, and for long-running commands.
   */
  reconnect?: boolean
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
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** A server of the list answered HTTP (found while the handshake was still awaited). */
export class NotNats extends Error {
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

export async function attempt(servers: string[], opts: AttemptOptions, timeoutMs: number): Promise<NatsConnection> {
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
      ...(opts.reconnect
        ? { reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, reconnectJitter: 100 }
        : { reconnect: false, maxReconnectAttempts: 0 }),
      ...(opts.creds ? { authenticator: credsAuthenticator(opts.creds) } : {}),
    }),
  )
  const closed = new Promise<never>((_, reject) => {
    poll = setInterval(() => {
      // Closed after the server spoke: a handshake cut short. (A server of the list that refused
      // never spoke; nats.js goes on to the next one.)
      const gone = sockets.find((s) => s.destroyed && s.bytesRead > 0)
      if (!gone) return
      const cause = (gone as Socket & { errored?: Error | null }).errored as
        (Error & { code?: string }) | null | undefined
      reject(
        new CutShort(
          cause?.code ?? 'CONNECTION_CLOSED',
          cause?.message ?? 'the server closed the connection during the handshake',
        ),
      )
    }, CLOSED_POLL_MS)
  })
  // A NATS server speaks first; an HTTP one (a monitoring port) would leave the handshake waiting out the attempt.
  const http = new Promise<never>((_, reject) => {
    sniff = setTimeout(
      () =>
        void httpServer(servers).then(
          (s) => s && reject(new NotNats(s)),
          () => undefined,
        ),
      HTTP_SNIFF_AFTER_MS,
    )
  })
  try {
    return await Promise.race([connecting, closed, http])
  } catch (e) {
    connecting.then(
      (nc) => nc.close(),
      () => undefined,
    ) // given up on: whatever it still does ends here
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
  const key: KeyObject = createPrivateKey({
    key: Buffer.concat([
      PKCS8_ED25519,
      Buffer.from((kp as ReturnType<typeof fromSeed> & { getRawSeed(): Uint8Array }).getRawSeed()),
    ]),
    format: 'der',
    type: 'pkcs8',
  })
  kp.clear()
  return (nonce?: string) => ({
    jwt,
    ...(creds.user.publicKey ? { nkey: creds.user.publicKey } : {}),
    ...(nonce ? { sig: sign(null, Buffer.from(nonce), key).toString('base64url') } : {}),
  })
}
