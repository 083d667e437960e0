/**
 * The emergency path of a change (--without-state, the state unreachable): the push goes
 * ahead with no lock and no history, loudly warned, and is saved on this machine so the next
 * journaled change made here records it (src/ops/replay.ts).
 */
import { currentWho, jwtHash } from '../state/journal.js'
import { saveUnrecorded } from '../state/unrecorded.js'
import { withoutStateWarning } from '../state/without-state-words.js'
import type { LiveState, PlannedChange } from './change-types.js'
import type { Session } from './session.js'

/** Save a push that reached at least one server, and add the loud warning to its result. */
export function savePushWithoutState(
  session: Session,
  live: LiveState,
  planned: PlannedChange,
  command: string,
  reason: string,
): void {
  const { result, signed } = planned
  result.withoutState = true
  let file: string | undefined
  if (signed && result.servers.some((s) => s.ok)) {
    try {
      file = saveUnrecorded({
        account: session.account,
        reason,
        time: new Date().toISOString(),
        who: currentWho(),
        command,
        lattice: session.lattice,
        changes: result.changes.map(({ entity, subject, before, after, drop, clusters }) => ({
          entity,
          subject,
          before,
          after,
          ...(drop ? { drop } : {}),
          ...(clusters ? { clusters } : {}),
        })),
        before: live.claims.nats.mappings ?? {},
        mappings: signed.claims.nats.mappings ?? {},
        jwtIat: signed.iat,
        jwtHash: jwtHash(signed.jwt),
      })
    } catch (e) {
      result.warnings.push(
        `The change could not be saved on this machine (${(e as Error).message}): it will show up in the history only as a drift revision.`,
      )
    }
  }
  result.warnings.unshift(withoutStateWarning(reason, file))
}
