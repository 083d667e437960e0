/**
 * When the state bucket does not answer: which failures a retry may get past (a stream leader
 * being elected, a reconnect to another server), how long to keep trying, and the error that
 * says what is off and how to go on.
 */
import { LatticeError } from '../errors.js'

export const BUCKET = process.env.LATTICE_STATE_BUCKET ?? 'lattice-state'
/** JetStream names a KV bucket's stream KV_<bucket>. */
export const STREAM = `KV_${BUCKET}`

/** How long one state request keeps retrying: a stream leader election takes seconds, longer on a busy machine. */
export const STATE_WAIT_MS = Number(process.env.LATTICE_STATE_WAIT_MS) || 20_000

/** The flag that pushes a change without the state (see docs/safety.md). */
export const WITHOUT_STATE_FLAG = '--without-state'

/**
 * Failures that say "not now" rather than "no": no responder or no reply yet, JetStream or the
 * stream between leaders, the connection between servers.
 */
export function isTransient(e: unknown): boolean {
  const code = String((e as { code?: unknown }).code ?? '')
  const message = (e as Error)?.message ?? String(e)
  if (code === '503' || code === 'TIMEOUT' || code === 'DISCONNECT' || code === 'CONNECTION_CLOSED') return true
  return /no responders|time ?out|temporarily unavailable|stream is offline|no (stream )?leader|leader not|quorum|disconnect|reconnect|connection (closed|draining)/i.test(message)
}

/** Full jitter on an exponential step, at most 1 s: waiting writers spread out. */
export function backoff(attempt: number): number {
  return Math.round(100 + Math.random() * Math.min(1000, 50 * 2 ** attempt))
}

export function stateUnavailable(cause: Error, verb: 'opened' | 'answered'): LatticeError {
  const why = (cause.message ?? String(cause)).replace(/\.$/, '')
  if (/jetstream not enabled/i.test(why)) {
    return new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} cannot be opened: ${why}. History and locking are off.`, {
      hint: 'Use --state-creds (LATTICE_STATE_CREDS) of a user in an account with JetStream enabled, on servers running JetStream.',
      details: { bucket: BUCKET, stream: STREAM, cause: why },
    })
  }
  return new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} (stream ${STREAM}) ${verb === 'opened' ? 'cannot be opened' : 'did not answer'}: ${why}. History and locking are off while it is unreachable.`, {
    hint: `See which servers are missing with \`lattice status --servers\` and bring them back; in an emergency, ${WITHOUT_STATE_FLAG} pushes without the state (no lock; recorded once it is back).`,
    details: { bucket: BUCKET, stream: STREAM, cause: why },
  })
}
