/**
 * After a push, ask every server what it actually runs for the account (ACCOUNTZ): a 200
 * reply only says the JWT was stored. A server that cannot install one mapping of the JWT keeps
 * running its previous mapping for that subject and still answers "jwt updated" (2.9, 2.10), so
 * every mapping of the JWT is compared, lattice's and foreign ones. A server where no client of
 * the account is connected has nothing installed; it loads the stored (acknowledged) copy when
 * the first client arrives.
 */
import { decodeAndVerify } from '../account/jwt.js'
import { LatticeError } from '../errors.js'
import { describeDifference, installedDifferences } from '../plan/installed.js'
import type { Mappings } from '../plan/routes.js'
import { type AccountOnServer, accountOnServers } from '../resolver/servers.js'
import type { ChangeResult, ServerReport } from './change-types.js'
import type { Session } from './session.js'

const ATTEMPTS = 4
const PAUSE_MS = 250

/** Fill in `installed` for every server; NOT_CONFIRMED when one that acknowledged runs something else. */
export async function verifyInstalled(
  session: Session,
  jwt: string,
  mappings: Mappings | undefined,
  result: ChangeResult,
): Promise<void> {
  const acked = result.servers.filter((s) => s.ok)
  let wrong: ServerReport[] = []
  let silent: string[] = []
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // Every server answers ACCOUNTZ (not only those that acknowledged): wait for all of them.
    const seen = new Map(
      (await accountOnServers(session.conn, session.account, { expected: result.servers.length })).map((a) => [
        a.server.name,
        a,
      ]),
    )
    wrong = []
    silent = []
    for (const s of acked) {
      const on = seen.get(s.server)
      if (!on) silent.push(s.server)
      checkServer(s, on, jwt, mappings)
      if (s.installed === 'no') wrong.push(s)
    }
    if (wrong.length === 0 && silent.length === 0) break
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, PAUSE_MS))
  }
  if (silent.length > 0)
    result.warnings.push(`${silent.join(', ')} acknowledged the JWT but did not answer the check of what it installed.`)
  result.confirmed = wrong.length === 0
  if (wrong.length > 0) throw notConfirmed(wrong, result)
}

/** Set the server's `installed` (and what it runs differently) from its ACCOUNTZ answer. */
function checkServer(
  s: ServerReport,
  on: AccountOnServer | undefined,
  jwt: string,
  mappings: Mappings | undefined,
): void {
  delete s.runsJwtIssuedAt
  delete s.differences
  if (!on || !on.loaded) {
    s.installed = on ? 'idle' : undefined
    return
  }
  const differences = installedDifferences(mappings, on.mappings)
  if (differences.length > 0) s.differences = differences
  if (on.jwt !== jwt) s.runsJwtIssuedAt = iatOf(on.jwt) ?? 0
  s.installed = differences.length === 0 && on.jwt === jwt ? 'yes' : 'no'
}

function notConfirmed(wrong: ServerReport[], result: ChangeResult): LatticeError {
  const what = wrong.map((s) => {
    const parts = [
      ...(s.runsJwtIssuedAt !== undefined
        ? [`runs another JWT${s.runsJwtIssuedAt ? ` (iat ${s.runsJwtIssuedAt})` : ''}`]
        : []),
      ...(s.differences ?? []).map(describeDifference),
    ]
    return `${s.server}: ${parts.join('; ')}`
  })
  const ours = new Set(result.changes.map((c) => c.subject))
  const others = [...new Set(wrong.flatMap((s) => (s.differences ?? []).map((d) => d.subject)))].filter(
    (x) => !ours.has(x),
  )
  const hint =
    others.length > 0
      ? `A server keeps running its previous mapping for a subject it cannot install (e.g. a destination listed twice, an unknown {{function}}) while it answers "jwt updated". Fix the mapping of ${others.join(', ')} in the account JWT (e.g. with nsc) and push again; \`lattice status --servers\` shows what each server runs.`
      : 'Another writer may have changed the account at the same moment; run `lattice status --servers` to see what each server runs, then retry.'
  const names = wrong.map((s) => s.server)
  const who = names.length === 1 ? `${names[0]} does` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} do`
  const oursInstalled = !wrong.some(
    (s) => s.runsJwtIssuedAt !== undefined || (s.differences ?? []).some((d) => ours.has(d.subject)),
  )
  return new LatticeError(
    'NOT_CONFIRMED',
    `The servers acknowledged the new JWT, but ${who} not run it as written${oursInstalled ? ' (the change itself is installed; other mappings of the JWT are not)' : ''}. ${what.join('. ')}.`,
    {
      hint,
      details: { servers: result.servers, changeInstalled: oursInstalled },
    },
  )
}

function iatOf(jwt: string | undefined): number | undefined {
  try {
    return jwt ? decodeAndVerify(jwt).claims.iat : undefined
  } catch {
    return undefined
  }
}
