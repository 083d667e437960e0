/**
 * After a push: does every part of the lattice run it? Leaves that serve a changed entity
 * without the JWT and servers seen in earlier changes that are gone become `result.bypassed`
 * (the command then ends with PARTLY_LIVE); what this change saw is remembered for the next.
 */
import { PATIENT_QUIET_MS, pingServers } from '../resolver/servers.js'
import { KnownServers } from '../state/known-servers.js'
import type { ChangeResult, LiveState } from './change-types.js'
import type { Session } from './session.js'
import { bypasses } from './bypasses.js'
import { type TopologyView, leafNames, missingLeaves } from './topology-view.js'

export async function checkReach(session: Session, live: LiveState, result: ChangeResult): Promise<TopologyView> {
  const [topology, known] = await Promise.all([live.topology(), live.known()])
  let answering = live.servers
  const seen = new Set([
    ...answering.map((s) => s.name),
    ...result.servers.filter((s) => s.code !== 0).map((s) => s.server),
  ])
  // A known server is named missing only after a second, patient ping.
  if (known.some((k) => k.kind === 'server' && !seen.has(k.name)))
    answering = await pingServers(session.conn, { quietMs: PATIENT_QUIET_MS }).catch(() => answering)
  const { bypassed, unheld } = bypasses(topology, result.servers, known, answering, {
    lattice: session.lattice,
    changes: result.changes,
    mappings: result.mappings,
  })
  if (bypassed.length > 0) result.bypassed = bypassed
  if (unheld.length) {
    const one = unheld.length === 1
    result.warnings.push(
      `${unheld.map((l) => `Leaf ${l}`).join(', ')} ${one ? 'does' : 'do'} not hold the account JWT: calls made there follow the split only because ${one ? 'it serves' : 'they serve'} no instance of the changed entities (the hub maps them). A host started behind ${one ? 'it' : 'them'} would bypass the split (docs/topologies.md).`,
    )
  }
  const gone = missingLeaves(topology, known)
  if (gone.length)
    result.warnings.push(
      `Leaves seen in earlier changes did not show now: ${gone.map((k) => `${k.name} (last seen ${k.lastSeen})`).join(', ')}.`,
    )
  if (session.journal)
    await remember(new KnownServers(session.journal.store, session.account), live, topology).catch(() => undefined)
  return topology
}

/** Remember what this change saw, so that the next one can tell what is missing. */
function remember(known: KnownServers, live: LiveState, topology: TopologyView): Promise<void> {
  const leaves = leafNames(topology)
  return known.remember([
    ...live.servers
      .filter((s) => !leaves.has(s.name))
      .map((s) => ({ name: s.name, kind: 'server' as const, ...(s.cluster ? { cluster: s.cluster } : {}) })),
    // 2.9 names no leaf that does not answer: an address changes with every reconnect, so it is not remembered.
    ...topology.leaves
      .filter((l) => !l.name.startsWith('leaf at '))
      .map((l) => ({ name: l.name, kind: 'leaf' as const })),
  ])
}
