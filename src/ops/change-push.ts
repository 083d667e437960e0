/**
 * Pushes a signed account JWT to every server, and checks what each one installed and how
 * many acknowledged it.
 */
import { writeBack } from '../auth/nsc.js'
import { LatticeError } from '../errors.js'
import { type ServerReply, pushAccountJwt } from '../resolver/claims.js'
import type { LiveState, PlannedChange, ServerReport } from './change-types.js'
import type { Session } from './session.js'
import { leafNames } from './topology-view.js'
import { checkReach } from './reach.js'
import type { ChangeStage } from './unfinished.js'
import { verifyInstalled } from './verify.js'

/** Push the signed successor to every server and check what each one installed. */
export async function pushChange(
  session: Session,
  live: LiveState,
  planned: PlannedChange,
  progress: { stage: ChangeStage },
): Promise<void> {
  const { result, signed } = planned
  if (!signed) throw new Error('pushChange needs a signed JWT')
  result.issuedAt = signed.iat
  session.deadline.at('pushing the account JWT', PUSH_HINT)
  progress.stage = 'pushing'
  const replies = await pushAccountJwt(session.conn, signed.jwt, { expected: live.servers.length })
  if (replies.some((r) => r.ok)) progress.stage = 'pushed'
  const asked: ServerReport[] = live.servers.map((s) => ({
    server: s.name,
    ok: false,
    code: 0,
    message: 'no reply',
    ...(s.cluster ? { cluster: s.cluster } : {}),
    version: s.version,
  }))
  result.servers = mergeReplies(asked, replies)
  result.pushed = true
  const rejected = replies.filter((s) => !s.ok)
  if (rejected.length > 0) {
    throw new LatticeError(
      'PUSH_REJECTED',
      `The account JWT was rejected by ${rejected.map((s) => `${s.server} (${s.message})`).join(', ')}.`,
      {
        hint:
          rejected.length < replies.length
            ? 'Other servers accepted it; fix the cause and run the command again to bring all servers in line.'
            : 'Nothing changed; fix the cause the server gave.',
        details: { servers: result.servers },
      },
    )
  }
  // Accepted JWTs go into the nsc store too, so a later `nsc push` carries our mappings.
  if (session.nsc) writeBack(session.nsc, signed.jwt)
  session.deadline.at('checking what each server installed', PUSH_HINT)
  await verifyInstalled(session, signed.jwt, signed.claims.nats.mappings, result)
  const leaves = leafNames(await checkReach(session, live, result))
  const acks = result.servers.filter((s) => s.ok && !leaves.has(s.server)).length
  if (acks < result.minAcks) {
    throw new LatticeError(
      'TOO_FEW_ACKS',
      `Only ${acks} of the ${result.minAcks} acknowledgements required arrived (${result.servers
        .filter((s) => !s.ok)
        .map((s) => `${s.server}: ${s.message}`)
        .join(', ')}). The change is live on the servers that acknowledged it.`,
      {
        hint: 'A server that comes back takes the newest JWT at its next resolver sync; `lattice status --servers` shows when every server has it.',
        details: { servers: result.servers },
      },
    )
  }
}

const PUSH_HINT =
  'The change may be live on some servers: `lattice status --servers` shows what each one runs (with --state-creds, the next change records it if it went live).'

function mergeReplies(expected: ServerReport[], replies: ServerReply[]): ServerReport[] {
  const byName = new Map(expected.map((s) => [s.server, s]))
  for (const r of replies) byName.set(r.server, { ...byName.get(r.server), ...r })
  return [...byName.values()].sort((a, b) => a.server.localeCompare(b.server))
}
