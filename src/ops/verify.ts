/**
 * After a push, ask every server what it actually runs for the account (ACCOUNTZ): a 200
 * reply only says the JWT was stored, and a server bug once discarded mappings after
 * replying 200. A server where no client of the account is connected has nothing installed;
 * it loads the stored (acknowledged) copy when the first client arrives.
 */
import { LatticeError } from '../errors.js'
import { type MappingDestination, destinationWeight } from '../plan/routes.js'
import { type AccountOnServer, accountOnServers, installedWeights } from '../resolver/servers.js'
import type { ChangeResult } from './change.js'
import type { Session } from './session.js'

const ATTEMPTS = 4
const PAUSE_MS = 250

/** Fill in `installed` for every server; NOT_CONFIRMED when one that acknowledged runs something else. */
export async function verifyInstalled(session: Session, jwt: string, result: ChangeResult): Promise<void> {
  const acked = result.servers.filter((s) => s.ok)
  let wrong: string[] = []
  let silent: string[] = []
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    // Every server answers ACCOUNTZ (not only those that acknowledged): wait for all of them.
    const seen = new Map((await accountOnServers(session.conn, session.account, { expected: result.servers.length })).map((a) => [a.server.name, a]))
    wrong = []
    silent = []
    for (const s of acked) {
      const on = seen.get(s.server)
      if (!on) silent.push(s.server)
      s.installed = !on ? undefined : !on.loaded ? 'idle' : runsOurs(on, jwt, result) ? 'yes' : 'no'
      if (s.installed === 'no') wrong.push(s.server)
    }
    if (wrong.length === 0 && silent.length === 0) break
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, PAUSE_MS))
  }
  if (silent.length > 0) result.warnings.push(`${silent.join(', ')} acknowledged the JWT but did not answer the check of what it installed.`)
  result.confirmed = wrong.length === 0
  if (wrong.length > 0) {
    throw new LatticeError('NOT_CONFIRMED', `The servers acknowledged the new JWT, but ${wrong.join(', ')} ${wrong.length === 1 ? 'does' : 'do'} not run it with our mappings.`, {
      hint: 'Another writer may have changed the account at the same moment; run `lattice status --servers` to see what each server runs, then retry.',
      details: { servers: result.servers },
    })
  }
}

/** The server runs our JWT, and its installed mappings for our subjects are the ones we wrote. */
function runsOurs(on: AccountOnServer, jwt: string, result: ChangeResult): boolean {
  if (on.jwt !== jwt) return false
  return result.changes.every((c) => sameShares(c.subject, on.mappings?.[c.subject], result.mappings[c.subject]))
}

function sameShares(source: string, installed: MappingDestination[] | undefined, written: MappingDestination[] | undefined): boolean {
  if (!installed || !written) return !installed === !written
  // The server lists the untouched remainder as the source itself; compare the rest.
  const strip = (w: Record<string, number>) => Object.fromEntries(Object.entries(w).filter(([k]) => k !== source && !k.startsWith(`${source}@`)))
  const a = strip(installedWeights(installed))
  const b = strip(Object.fromEntries(written.map((d) => [d.cluster ? `${d.subject}@${d.cluster}` : d.subject, destinationWeight(d)])))
  return Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v)
}
