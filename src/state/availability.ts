/**
 * When the state bucket does not answer: which failures a retry may get past (a stream leader
 * being elected, a reconnect to another server), how long to keep trying, and the error that
 * says what is off and how to go on.
 */
import { LatticeError } from '../errors.js'
import { WITHOUT_STATE_HINT } from './without-state.js'

export const BUCKET = process.env.LATTICE_STATE_BUCKET ?? 'lattice-state'
/** JetStream names a KV bucket's stream KV_<bucket>. */
export const STREAM = `KV_${BUCKET}`

/** How long one state request keeps retrying: a stream leader election takes seconds, longer on a busy machine. */
export const STATE_WAIT_MS = Number(process.env.LATTICE_STATE_WAIT_MS) || 20_000

/**
 * Failures that say "not now" rather than "no": no reply yet, JetStream or the stream between
 * leaders, the connection between servers. Not "no responders": every JetStream server answers
 * the API of an account with JetStream, leader or not, so nobody answering means no JetStream
 * for this account (or no JetStream server left), which waiting does not fix.
 */
export function isTransient(e: unknown): boolean {
  const code = String((e as { code?: unknown }).code ?? '')
  const message = (e as Error)?.message ?? String(e)
  if (code === '503' || /no responders/i.test(message)) return false
  if (code === 'TIMEOUT' || code === 'DISCONNECT' || code === 'CONNECTION_CLOSED') return true
  return /time ?out|temporarily unavailable|stream is offline|no (stream )?leader|leader not|quorum|disconnect|reconnect|connection (closed|draining)/i.test(message)
}

/** Full jitter on an exponential step, at most 1 s: waiting writers spread out. */
export function backoff(attempt: number): number {
  return Math.round(100 + Math.random() * Math.min(1000, 50 * 2 ** attempt))
}

export function stateUnavailable(cause: Error, verb: 'opened' | 'answered'): LatticeError {
  const why = (cause.message ?? String(cause)).replace(/\.$/, '')
  if (/jetstream not enabled|no responders/i.test(why) || String((cause as { code?: unknown }).code) === '503') {
    return new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} cannot be opened: ${/no responders|^503$/i.test(why) ? 'no JetStream answers for the --state-creds user\'s account' : why}. History and locking are off.`, {
      hint: `Use --state-creds (LATTICE_STATE_CREDS) of a user in an account with JetStream enabled, on servers running JetStream. ${WITHOUT_STATE_HINT}`,
      details: { bucket: BUCKET, stream: STREAM, cause: why },
    })
  }
  return new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} (stream ${STREAM}) ${verb === 'opened' ? 'cannot be opened' : 'did not answer'}: ${why}. History and locking are off while it is unreachable.`, {
    hint: `See which servers are missing with \`lattice status --servers\` and bring them back. ${WITHOUT_STATE_HINT}`,
    details: { bucket: BUCKET, stream: STREAM, cause: why },
  })
}
