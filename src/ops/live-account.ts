/**
 * Reads what a change builds on: the live account JWT (the newest any resolver stores,
 * verified), the servers' facts and rules, and, read lazily, who subscribes and the topology.
 */
import { verifyAccountJwt } from '../account/account.js'
import { storedAccountJwt } from '../auth/nsc.js'
import { LatticeError } from '../errors.js'
import { oldestVersion, rulesFor } from '../plan/server-rules.js'
import { lookupStored } from '../resolver/claims.js'
import { fetchServerFacts } from '../resolver/server-info.js'
import { pingServers, routePeers } from '../resolver/servers.js'
import { listSubscriptions } from '../resolver/subscriptions.js'
import { discoverTopology } from '../resolver/topology.js'
import { KnownServers } from '../state/known-servers.js'
import type { LiveState } from './change-types.js'
import type { Session } from './session.js'
import { systemAccountError } from './system-account.js'
import { viewTopology } from './topology-view.js'

/**
 * The live account JWT, verified, with the facts of the cluster. Every resolver is asked for
 * its stored copy and the newest wins: a server that was down may still hold an older one,
 * and building on that would undo changes made while it was away.
 */
export async function loadLiveAccount(session: Session): Promise<LiveState> {
  session.deadline.at("reading the servers' facts and the live account JWT")
  // Knowing how many servers there are (one VARZ, one ROUTEZ) lets every later gather stop as
  // soon as all have answered instead of waiting out a quiet period.
  const [facts, peers] = await Promise.all([
    fetchServerFacts(session.conn),
    routePeers(session.conn, session.conn.info?.server_id),
  ])
  if (facts.systemAccount === session.account)
    throw systemAccountError(session.account, `server ${facts.server} says so`)
  const expected = facts.beyondCluster || peers === undefined ? undefined : peers + 1
  const subs = listSubscriptions(session.conn, session.account, { expected })
  subs.catch(() => undefined) // read (and its error raised) only if the gate needs it
  const places = discoverTopology(session.conn, { expected })
  places.catch(() => undefined)
  // A state glitch here costs only the names of servers gone since earlier changes.
  const known = session.journal
    ? new KnownServers(session.journal.store, session.account).list().catch(() => [])
    : Promise.resolve([])
  const [{ jwts: stored, without }, servers] = await Promise.all([
    lookupStored(session.conn, session.account, { expected }),
    pingServers(session.conn, { expected }),
  ])
  const topology = places.then((t) => viewTopology(t, session.account, servers))
  // Read only if the change gets that far: a command refused earlier closes the connection, which
  // ends this request; unwatched, its rejection would end the process after the real error (exit 1).
  topology.catch(() => undefined)
  if (stored.length === 0) {
    // `without`: how many servers said so (the rest, if any, said nothing before the quiet period ended).
    const said =
      without === 0 ? '' : ` (${without === 1 ? 'the one server said so' : `all ${without} servers said so`})`
    throw new LatticeError('ACCOUNT_NOT_FOUND', `The resolver has no JWT for account ${session.account}${said}.`, {
      hint: 'Check --account (LATTICE_ACCOUNT); the account must already be pushed to the resolver (e.g. with `nsc push`).',
      details: { serversWithoutJwt: without },
    })
  }
  const copies = stored.map((jwt) => verifyAccountJwt(jwt, session.account))
  const live = copies.reduce((a, b) => ((b.claims.iat ?? 0) > (a.claims.iat ?? 0) ? b : a))
  const warnings: string[] = []
  const stale = copies.filter((c) => c.jwt !== live.jwt).length
  if (stale > 0)
    warnings.push(
      `${stale} of ${copies.length} resolvers store an older JWT for the account; they catch up at their next resolver sync (\`lattice status --servers\` shows which).`,
    )
  if (facts.knowsTrust && !facts.trustedKeys.has(live.claims.iss)) {
    warnings.push(
      `The stored account JWT is issued by ${live.claims.iss}, which the server's operator does not trust: the server keeps using older claims. A change signed with a trusted key replaces it.`,
    )
  }
  const rules = rulesFor(oldestVersion([facts.version, ...servers.map((s) => s.version)]))
  if (session.nsc && storedAccountJwt(session.nsc) !== live.jwt) {
    const stored = verifyAccountJwt(storedAccountJwt(session.nsc), session.account).claims
    warnings.push(
      (stored.iat ?? 0) > (live.claims.iat ?? 0)
        ? `The nsc store holds a newer JWT for ${session.nsc.name} than the servers (an \`nsc push\` not done yet?); lattice changes the servers' one and writes it back, replacing the store's.`
        : `The nsc store's JWT for ${session.nsc.name} is older than the servers'; lattice writes the live one (with this change) back into it.`,
    )
  }
  return {
    ...live,
    facts,
    servers,
    rules,
    warnings,
    subscriptions: () => subs,
    topology: () => topology,
    known: () => known,
  }
}
