/**
 * Where a change does not reach: leaf nodes that do not hold the account JWT, and servers
 * known from earlier changes that did not answer now. Measured (docs/topologies.md): a leaf that
 * does not hold the JWT forwards its callers' calls to its hub, which maps them, so the split
 * holds for them, unless the leaf has local instances of the entity:
 * - then it delivers its callers' calls to those instances unmapped (the split is bypassed);
 * - and, as the hub advertises each mapped subject to its leaves as plain interest, it also
 *   forwards a copy the hub maps to a version served elsewhere: calls run twice (2,000 calls,
 *   3,432 runs).
 */
import { LatticeError } from '../errors.js'
import type { EntityChange, Mappings } from '../plan/routes.js'
import type { ServerIdentity } from '../resolver/servers.js'
import type { KnownServer } from '../state/known-servers.js'
import type { EntityRef } from '../subjects/index.js'
import { type LeafNode, type TopologyView, servesSource } from './topology-view.js'

/** A server, leaf or cluster that routes the account's calls the old way after a change. */
export interface Bypass {
  name: string
  kind: 'leaf' | 'server' | 'cluster'
  /**
   * leaf-outside-system: the leaf does not answer the system account (no remote bound to it);
   * leaf-not-operator: it answers, but is not in operator mode (it has no account JWTs at all);
   * leaf-no-resolver: it answers and trusts the operator, but did not take the push (no full or cache resolver);
   * missing: seen in earlier changes (or configured as a gateway), and did not answer now.
   */
  reason: 'leaf-outside-system' | 'leaf-not-operator' | 'leaf-no-resolver' | 'missing'
  /** The servers a leaf connects to. */
  hubs?: string[]
  /** When a missing server was last seen (ISO time). */
  lastSeen?: string
}

const WHY: Record<Bypass['reason'], string> = {
  'leaf-outside-system': 'does not answer the system account, so it holds no copy of the account JWT',
  'leaf-not-operator': 'is not in operator mode, so it holds no account JWT',
  'leaf-no-resolver': 'did not take the push (it has no full or cache resolver)',
  missing: 'did not answer',
}

/** What a change pushed: its entities, and the mappings they have after it. */
export interface Pushed {
  lattice: string
  changes: EntityChange[]
  mappings: Mappings
}

/** The leaf's local instances of entities the change leaves mapped (their calls made on the leaf are not mapped). */
export function servedMapped(leaf: LeafNode, pushed: Pushed): EntityRef[] {
  return pushed.changes
    .filter((c) => pushed.mappings[c.subject] && leaf.subjects.some((s) => servesSource(pushed.lattice, c.entity, s)))
    .map((c) => c.entity)
}

/**
 * Leaves of the account that do not run the pushed JWT and serve a mapped entity themselves,
 * and known servers that are gone. (A leaf that does not hold the JWT and serves none of them
 * is followed: its hub maps its callers' calls. It is in `unheld`.)
 */
export function bypasses(
  view: TopologyView,
  servers: { server: string; ok: boolean; code: number; cluster?: string; installed?: string }[],
  known: KnownServer[],
  answering: ServerIdentity[],
  pushed: Pushed,
): { bypassed: Bypass[]; unheld: string[] } {
  const out: Bypass[] = []
  const unheld: string[] = []
  const report = new Map(servers.map((s) => [s.server, s]))
  for (const leaf of view.leaves) {
    const r = report.get(leaf.name)
    const follows = leaf.canHoldJwt && r?.ok && r.installed !== 'no'
    if (follows) continue
    if (servedMapped(leaf, pushed).length === 0) {
      unheld.push(leaf.name)
      continue
    }
    const reason = !leaf.answersSystem
      ? 'leaf-outside-system'
      : !leaf.canHoldJwt
        ? 'leaf-not-operator'
        : 'leaf-no-resolver'
    out.push({ name: leaf.name, kind: 'leaf', reason, hubs: leaf.hubs })
  }
  // Here: whatever answered anything (a ping, the push: code 0 is "no reply").
  const replied = servers.filter((s) => s.code !== 0)
  const here = new Set([
    ...answering.map((s) => s.name),
    ...replied.map((s) => s.server),
    ...view.leaves.map((l) => l.name),
  ])
  for (const k of known)
    if (k.kind === 'server' && !here.has(k.name))
      out.push({ name: k.name, kind: 'server', reason: 'missing', lastSeen: k.lastSeen })
  const clustersHere = new Set(replied.flatMap((s) => (s.cluster ? [s.cluster] : [])))
  for (const c of view.clusters)
    if (c.servers.length === 0 && !clustersHere.has(c.name))
      out.push({ name: c.name, kind: 'cluster', reason: 'missing' })
  return { bypassed: out, unheld }
}

export function describeBypass(b: Bypass): string {
  if (b.kind === 'cluster')
    return `cluster ${b.name} (a gateway is configured for it, and none of its servers answered)`
  if (b.kind === 'server')
    return `server ${b.name} (seen in earlier changes${b.lastSeen ? `, last at ${b.lastSeen}` : ''}; it did not answer)`
  return `leaf ${b.name}${b.hubs?.length ? ` (on ${b.hubs.join(', ')})` : ''} serves the entity and ${WHY[b.reason]}`
}

/** The change is live, but part of the lattice routes the old way. */
export function partlyLiveError(list: Bypass[], details: Record<string, unknown>, revision?: number): LatticeError {
  const leaves = list.filter((b) => b.kind === 'leaf')
  const gone = list.filter((b) => b.kind !== 'leaf')
  const effects = [
    ...(leaves.length
      ? [
          'calls made on such a leaf reach the instances behind it unmapped (the split is bypassed there), and where instances of the entity also run elsewhere they run twice (the leaf delivers each call locally and forwards a copy its hub maps)',
        ]
      : []),
    ...(gone.length
      ? [
          "a server that was away runs the old weights after it comes back, until its resolver syncs (the full resolver's `interval`, 2 minutes by default)",
        ]
      : []),
  ]
  const fixes = [
    ...(leaves.length
      ? ['give each leaf a second remote bound to the system account and a full or cache resolver (docs/topologies.md)']
      : []),
    ...(gone.length
      ? [
          'bring the missing servers back, then check `lattice status --servers`; forget servers that were removed for good with `lattice state forget NAME`',
        ]
      : []),
  ]
  const recorded = revision === undefined ? '' : ` Recorded as revision ${revision}.`
  return new LatticeError(
    'PARTLY_LIVE',
    `The change is live on the servers that acknowledged it, but not everywhere: ${list.map(describeBypass).join('; ')}. Meaning: ${effects.join('; ')}.${recorded}`,
    {
      hint: `${fixes.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
      details: { ...details, bypassed: list },
    },
  )
}
