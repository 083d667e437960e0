/**
 * A change the network cut short (a server gone, the connection lost, no answer): the error
 * keeps its code and exit code (5) and says what may be live, from how far the change got.
 */
import { LatticeError, isLatticeError } from '../errors.js'
import { connectionLost, isNetworkFault } from '../resolver/link.js'

/** How far a change got: nothing pushed yet, the push sent, or acknowledged by a server. */
export type ChangeStage = 'before-push' | 'pushing' | 'pushed'

const CHECK = '`lattice status --servers` shows what each server runs'

/** `e` as it should reach the user; errors that are not a network fault pass unchanged. */
export function unfinishedChange(e: unknown, stage: ChangeStage, step: string, history: boolean): unknown {
  if (!isNetworkFault(e)) return e
  const error = connectionLost(e, step)
  const record = history
    ? 'the next change made with --state-creds records it'
    : 'it is not in the history (no --state-creds)'
  const [live, said, hint] =
    stage === 'before-push'
      ? [
          'no',
          'Nothing was pushed: the routing is unchanged.',
          history ? 'Anything it left in the lattice state is settled by the next change.' : '',
        ]
      : stage === 'pushing'
        ? [
            'maybe',
            'The new account JWT was being pushed: the change may be live.',
            `Once the servers are back, ${CHECK}; if it went live, ${record}.`,
          ]
        : [
            'yes',
            'The servers acknowledged the new account JWT: the change is live, but the command did not finish.',
            `Once the servers are back, ${CHECK}; ${record}.`,
          ]
  if (isLatticeError(e) && /may be live|is live|Nothing was pushed/.test(e.message)) return e
  return new LatticeError(error.code, `${error.message} ${said}`, {
    // Once something was pushed, what is live matters more than the way the connection failed.
    hint: stage === 'before-push' ? [hint, error.hint].filter(Boolean).join(' ') : hint,
    details: { ...error.details, step, live },
    cause: e,
  })
}
