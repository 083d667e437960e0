/**
 * Why a connection attempt failed, in the server's own words where it gave any, and whether
 * the next attempt may succeed.
 */
import type { Credentials } from '../auth/creds-file.js'
import type { Deadline } from '../deadline.js'
import { LatticeError } from '../errors.js'
import { formatDuration } from '../plan/duration.js'
import { MIN_ATTEMPT_MS, NotNats } from './connect-attempt.js'
import { probeConnectError } from './connect-diagnosis.js'
import { redactUrl } from './url.js'

export interface ConnectFailure {
  error: LatticeError
  /** The next attempt may succeed: retry while the deadline allows. */
  transient: boolean
  /** Short, for the step's description. */
  why: string
}

/** Socket errors of a handshake the server (or something in between) cut short. */
const CUT_SHORT = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'DISCONNECT'])

export async function explainConnectError(
  e: unknown,
  servers: string[],
  creds: Credentials | undefined,
  timeoutMs: number,
  deadline: Deadline,
): Promise<ConnectFailure> {
  const code = (e as { code?: string }).code ?? ''
  const chained = (e as { chainedError?: { code?: string; message?: string } }).chainedError
  const message = (e as Error).message ?? String(e)
  const where = servers.map(redactUrl).join(', ')
  const failed = (error: LatticeError, transient: boolean, why: string): ConnectFailure => ({ error, transient, why })
  if (e instanceof NotNats) {
    return failed(
      new LatticeError('NOT_NATS', `${redactUrl(e.server)} answers HTTP, not the NATS protocol.`, {
        hint: `That is likely nats-server's HTTP monitoring port (http_port, 8222 by default): give its client port in --server (or NATS_URL), e.g. nats://${new URL(e.server.includes('://') ? e.server : `nats://${e.server}`).hostname}:4222.`,
        details: { server: redactUrl(e.server) },
      }),
      false,
      'answers HTTP',
    )
  }
  // The server closes a handshake whose CONNECT came after its auth timeout: a busy client, not bad creds.
  if (code === 'AUTHENTICATION_TIMEOUT' || /authentication timeout/i.test(message)) {
    return failed(
      new LatticeError('CONNECTION_FAILED', `NATS at ${where} closed the connection: Authentication Timeout.`, {
        hint: 'The client was too slow to authenticate (a busy machine?); run the command again.',
      }),
      true,
      'Authentication Timeout',
    )
  }
  if (code === 'AUTHORIZATION_VIOLATION' || /authorization violation/i.test(message)) {
    return failed(
      new LatticeError('AUTHORIZATION', `NATS at ${where} refused the credentials: ${message}.`, {
        hint: creds
          ? `Check that ${creds.file} is a current user of the system account.`
          : 'Pass --creds (or set NATS_CREDS) with a system-account user.',
      }),
      false,
      message,
    )
  }
  const socketCode = CUT_SHORT.has(code) ? code : CUT_SHORT.has(chained?.code ?? '') ? chained?.code : undefined
  if (socketCode) {
    const why = chained?.message ?? message
    return failed(
      new LatticeError('CONNECTION_FAILED', `Cannot connect to NATS at ${where}: ${why}.`, {
        hint: 'The connection was cut during the handshake; check the server and the network.',
      }),
      true,
      why,
    )
  }
  if (
    code === 'CONNECTION_REFUSED' &&
    chained?.code !== 'ECONNREFUSED' &&
    !/ECONNREFUSED/.test(chained?.message ?? message)
  ) {
    // nats.js reports a socket the server closed before its INFO as "refused" with no cause.
    return failed(
      new LatticeError('CONNECTION_FAILED', `NATS at ${where} closed the connection before its handshake.`, {
        hint: 'Check the server and the network.',
      }),
      true,
      'closed before the handshake',
    )
  }
  if (code === 'CONNECTION_REFUSED' || /ECONNREFUSED/.test(message)) {
    return failed(
      new LatticeError('CONNECTION_FAILED', `Cannot reach NATS at ${where}: connection refused.`, {
        hint: 'Check --server (or NATS_URL) and that nats-server is running there.',
      }),
      false,
      'connection refused',
    )
  }
  // nats.js reports a server -ERR during connect (e.g. connection limits) as a bare TIMEOUT:
  // ask the server ourselves to get its own words (if the deadline leaves time to ask).
  const probeMs = Math.min(2000, deadline.remainingMs())
  const serverSaid =
    probeMs >= MIN_ATTEMPT_MS
      ? await probeConnectError(servers[0], creds?.bytes, probeMs).catch(() => undefined)
      : undefined
  if (serverSaid && /authentication timeout/i.test(serverSaid))
    return explainConnectError(new Error(serverSaid), servers, creds, timeoutMs, deadline)
  if (serverSaid) {
    const auth = /authoriz|authentic|expired|revoked/i.test(serverSaid)
    return failed(
      new LatticeError(
        auth ? 'AUTHORIZATION' : 'CONNECTION_FAILED',
        `NATS at ${where} refused the connection: ${serverSaid}.`,
        {
          hint: auth
            ? 'Check --creds (or NATS_CREDS).'
            : 'The server gave this reason; fix it on the server or account side.',
        },
      ),
      false,
      serverSaid,
    )
  }
  if (code === 'TIMEOUT') {
    const why = `no handshake within ${formatDuration(timeoutMs)}`
    return failed(
      new LatticeError('TIMEOUT', `Timed out connecting to NATS at ${where} (${why}).`, {
        hint: 'Check --server (or NATS_URL), the network, and that the server is healthy.',
      }),
      true,
      why,
    )
  }
  return failed(
    new LatticeError('CONNECTION_FAILED', `Cannot connect to NATS at ${where}: ${message}.`, {
      hint: 'Check --server (or NATS_URL).',
    }),
    false,
    message,
  )
}
