/**
 * When the state bucket does not answer: which failures a retry may get past (a stream leader
 * being elected, a reconnect to another server), how long to keep trying, and the error that
 * says what is off and how to go on.
 */
import { LatticeError } from '../errors.js'
import { WITHOUT_STATE_HINT } from './without-state-words.js'

export const BUCKET = process.env.LATTICE_STATE_BUCKET ?? 'lattice-state'
/** JetStream names a KV bucket's stream KV_<bucket>. */
export const STREAM = `KV_${BUCKET}`

/** How long one state request keeps retrying: a stream leader election takes seconds, longer on a busy machine. */
export const STATE_WAIT_MS = Number(process.env.LATTICE_STATE_WAIT_MS) || 20_000

/**
 * Failures that say "not now" rather than "no": no reply yet, JetStream or the stream between
 * leaders, the connection between servers.
 */
export function isTransient(e: unknown): boolean {
  const message = (e as Error)?.message ?? String(e)
  const code = String((e as { code?: unknown }).code ?? '')
  if (code === 'TIMEOUT' || code === 'DISCONNECT' || code === 'CONNECTION_CLOSED') return true
  // "no suitable peers for placement": a cluster whose JetStream servers all answer but whose meta
  // group has not yet heard of every peer (just started, on a busy machine): it passes in seconds.
  return (
    isNoResponders(e) ||
    /time ?out|temporarily unavailable|stream is offline|no (stream )?leader|leader not|quorum|no suitable peers|disconnect|reconnect|connection (closed|draining)/i.test(
      message,
    )
  )
}

/**
 * Nobody answered the JetStream API. Right after an account is loaded on a server, its JetStream
 * is being enabled (a moment, longer on a busy machine); if it lasts, the account has no
 * JetStream at all (a system user's creds, say), which waiting does not fix.
 */
export function isNoResponders(e: unknown): boolean {
  return String((e as { code?: unknown }).code ?? '') === '503' || /no responders/i.test((e as Error)?.message ?? '')
}

/** How long "no responders" is retried before it means "no JetStream for this account". */
export const NO_RESPONDERS_WAIT_MS = 5000

/** Full jitter on an exponential step, at most 1 s: waiting writers spread out. */
export function backoff(attempt: number): number {
  return Math.round(100 + Math.random() * Math.min(1000, 50 * 2 ** attempt))
}

export function stateUnavailable(cause: Error, verb: 'opened' | 'answered'): LatticeError {
  const why = (cause.message ?? String(cause)).replace(/\.$/, '')
  if (/jetstream not enabled|no responders/i.test(why) || String((cause as { code?: unknown }).code) === '503') {
    return new LatticeError(
      'STATE_UNAVAILABLE',
      `The state bucket ${BUCKET} cannot be opened: ${/no responders|^503$/i.test(why) ? "no JetStream answers for the --state-creds user's account" : why}. History and locking are off.`,
      {
        hint: `Use --state-creds (LATTICE_STATE_CREDS) of a user in an account with JetStream enabled, on servers running JetStream. ${WITHOUT_STATE_HINT}`,
        details: { bucket: BUCKET, stream: STREAM, cause: why, noJetStreamAnswer: true },
      },
    )
  }
  return new LatticeError(
    'STATE_UNAVAILABLE',
    `The state bucket ${BUCKET} (stream ${STREAM}) ${verb === 'opened' ? 'cannot be opened' : 'did not answer'}: ${why}. History and locking are off while it is unreachable.`,
    {
      hint: `See which servers are missing with \`lattice status --servers\` and bring them back. ${WITHOUT_STATE_HINT}`,
      details: { bucket: BUCKET, stream: STREAM, cause: why },
    },
  )
}
