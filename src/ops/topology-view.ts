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
import type { Weights } from '../plan/weights.js'
import type { ServerIdentity } from '../resolver/servers.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import type { Topology } from '../resolver/topology.js'
import type { KnownServer } from '../state/known-servers.js'
import { type EntityRef, entityLabel, servesVersion, unversionedSubject } from '../subjects/index.js'

/** A leaf node that carries the account, as lattice sees it. */
export interface LeafNode {
  /** Its server name; on 2.9 (LEAFZ names no leaf) `leaf at ADDRESS` unless it answers the system account. */
  name: string
  /** The servers it connects to. */
  hubs: string[]
  /** It is itself a server that answers the system account: lattice can ask it and push to it. */
  answersSystem: boolean
  /**
   * It can hold the account JWT (answers the system account and trusts the operator). Whether
   * it does is known after a push (it acknowledges) or from what it runs (`status --servers`).
   */
  canHoldJwt: boolean
  /** Subjects of the account its clients subscribe to (as it told its hubs). */
  subjects: string[]
}

/** The clusters of a supercluster: each with the servers of it that answered. */
export interface ClusterPlace {
  name: string
  servers: string[]
}

export interface TopologyView {
  leaves: LeafNode[]
  /** Answering servers that solicit leaf connections themselves (leaves that answer the system account). */
  spokes: string[]
  /** Clusters joined by gateways (empty without gateways). */
  clusters: ClusterPlace[]
}

/** The leaves that carry `account`, and the clusters joined by gateways. */
export function viewTopology(t: Topology, account: string, answering: ServerIdentity[]): TopologyView {
  const answered = new Set(answering.map((s) => s.name))
  const places = new Map(t.servers.map((s) => [s.server, s]))
  // 2.9 names no leaf: an unnamed link is given the name of an answering leaf that may bind the
  // account (a remote other than its system account's, bound to this account's key or, outside
  // operator mode, to a local account name), while one is left.
  const spokes = t.servers.filter((s) => s.remotes.length > 0 && answered.has(s.server)).map((s) => s.server)
  const candidates = t.servers
    .filter((s) => answered.has(s.server) && s.remotes.some((r) => r.account !== s.systemAccount && (r.account === account || !/^A[A-Z2-7]{55}$/.test(r.account))))
    .map((s) => s.server)
  const leaves = new Map<string, LeafNode>()
  for (const link of t.links.filter((l) => l.account === account)) {
    const name = link.leaf ?? candidates.shift() ?? `leaf at ${link.address}`
    const place = places.get(name)
    const leaf = leaves.get(name) ?? { name, hubs: [], answersSystem: answered.has(name), canHoldJwt: answered.has(name) && Boolean(place?.operatorMode), subjects: [] }
    leaf.hubs = [...new Set([...leaf.hubs, link.hub])].sort()
    leaf.subjects = [...new Set([...leaf.subjects, ...link.subjects.filter((s) => !s.startsWith('$'))])].sort()
    leaves.set(name, leaf)
  }
  // Gateways name the clusters; which servers are in each, the pings and VARZ replies tell (either may miss a slow one).
  const clusters = new Map<string, Set<string>>()
  for (const s of t.servers) for (const c of s.gateway ? [s.gateway.name, ...s.gateway.configured] : []) if (!clusters.has(c)) clusters.set(c, new Set())
  for (const s of t.servers) if (s.gateway) clusters.get(s.gateway.name)?.add(s.server)
  for (const s of answering) if (s.cluster) clusters.get(s.cluster)?.add(s.name)
  return {
    leaves: [...leaves.values()].sort((a, b) => a.name.localeCompare(b.name)),
    spokes,
    clusters: [...clusters.entries()].map(([name, servers]) => ({ name, servers: [...servers].sort() })).sort((a, b) => a.name.localeCompare(b.name)),
  }
}

/** Leaves of the account and answering servers that are leaves themselves: judged by what they run, not counted among the acknowledgements required. */
export function leafNames(view: TopologyView): Set<string> {
  return new Set([...view.leaves.map((l) => l.name), ...view.spokes])
}

/**
 * Subscriptions behind leaves that cannot hold the JWT, as subscribers (no queue group: a link
 * does not tell). Leaves that can hold it answer SUBSZ themselves.
 */
export function subscribersBehindLeaves(view: TopologyView): Subscriber[] {
  return view.leaves.filter((l) => !l.canHoldJwt).flatMap((l) => l.subjects.map((subject) => ({ server: l.name, subject })))
}

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
  return pushed.changes.filter((c) => pushed.mappings[c.subject] && leaf.subjects.some((s) => servesSource(pushed.lattice, c.entity, s))).map((c) => c.entity)
}

/**
 * Leaves of the account that do not run the pushed JWT and serve a mapped entity themselves,
 * and known servers that are gone. (A leaf that does not hold the JWT and serves none of them
 * is followed: its hub maps its callers' calls. It is in `unheld`.)
 */
export function bypasses(view: TopologyView, servers: { server: string; ok: boolean; code: number; cluster?: string; installed?: string }[], known: KnownServer[], answering: ServerIdentity[], pushed: Pushed): { bypassed: Bypass[]; unheld: string[] } {
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
    const reason = !leaf.answersSystem ? 'leaf-outside-system' : !leaf.canHoldJwt ? 'leaf-not-operator' : 'leaf-no-resolver'
    out.push({ name: leaf.name, kind: 'leaf', reason, hubs: leaf.hubs })
  }
  // Here: whatever answered anything (a ping, the push: code 0 is "no reply").
  const replied = servers.filter((s) => s.code !== 0)
  const here = new Set([...answering.map((s) => s.name), ...replied.map((s) => s.server), ...view.leaves.map((l) => l.name)])
  for (const k of known) if (k.kind === 'server' && !here.has(k.name)) out.push({ name: k.name, kind: 'server', reason: 'missing', lastSeen: k.lastSeen })
  const clustersHere = new Set(replied.flatMap((s) => (s.cluster ? [s.cluster] : [])))
  for (const c of view.clusters) if (c.servers.length === 0 && !clustersHere.has(c.name)) out.push({ name: c.name, kind: 'cluster', reason: 'missing' })
  return { bypassed: out, unheld }
}

/** Leaves seen in earlier changes that are gone now (named in the result; a leaf that is down has no callers). */
export function missingLeaves(view: TopologyView, known: KnownServer[]): KnownServer[] {
  const here = new Set(view.leaves.map((l) => l.name))
  return known.filter((k) => k.kind === 'leaf' && !here.has(k.name))
}

export function describeBypass(b: Bypass): string {
  if (b.kind === 'cluster') return `cluster ${b.name} (a gateway is configured for it, and none of its servers answered)`
  if (b.kind === 'server') return `server ${b.name} (seen in earlier changes${b.lastSeen ? `, last at ${b.lastSeen}` : ''}; it did not answer)`
  return `leaf ${b.name}${b.hubs?.length ? ` (on ${b.hubs.join(', ')})` : ''} serves the entity and ${WHY[b.reason]}`
}

/** The change is live, but part of the lattice routes the old way. */
export function partlyLiveError(list: Bypass[], details: Record<string, unknown>, revision?: number): LatticeError {
  const leaves = list.filter((b) => b.kind === 'leaf')
  const gone = list.filter((b) => b.kind !== 'leaf')
  const effects = [
    ...(leaves.length ? ['calls made on such a leaf reach the instances behind it unmapped (the split is bypassed there), and where instances of the entity also run elsewhere they run twice (the leaf delivers each call locally and forwards a copy its hub maps)'] : []),
    ...(gone.length ? ['a server that was away runs the old weights after it comes back, until its resolver syncs (the full resolver\'s `interval`, 2 minutes by default)'] : []),
  ]
  const fixes = [
    ...(leaves.length ? ['give each leaf a second remote bound to the system account and a full or cache resolver (docs/topologies.md)'] : []),
    ...(gone.length ? ['bring the missing servers back, then check `lattice status --servers`; forget servers that were removed for good with `lattice state forget NAME`'] : []),
  ]
  const recorded = revision === undefined ? '' : ` Recorded as revision ${revision}.`
  return new LatticeError('PARTLY_LIVE', `The change is live on the servers that acknowledged it, but not everywhere: ${list.map(describeBypass).join('; ')}. Meaning: ${effects.join('; ')}.${recorded}`, {
    hint: `${fixes.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
    details: { ...details, bypassed: list },
  })
}

/** A leaf where calls to an entity would run twice after the change. */
export interface DoubleRun {
  entity: string
  leaf: string
  /** Versions with instances behind the leaf. */
  inside: string[]
  /** Versions that get weight, with where they are served outside the leaf. */
  outside: { version: string; where: string[] }[]
}

/**
 * Before a push: a leaf that cannot hold the JWT and has local instances of an entity whose
 * subject stays mapped, while a version that gets weight is served outside that leaf.
 */
export function doubleRuns(lattice: string, changes: EntityChange[], mappings: Mappings, view: TopologyView, subscriptions: Subscriber[]): DoubleRun[] {
  const out: DoubleRun[] = []
  const blind = view.leaves.filter((l) => !l.canHoldJwt)
  for (const c of changes) {
    if (!mappings[c.subject] || blind.length === 0) continue
    const weighted = weightedVersions(c.after, c.clusters?.after)
    const versions = [...new Set([...weighted, ...weightedVersions(c.before, c.clusters?.before)])]
    for (const leaf of blind) {
      if (!leaf.subjects.some((s) => servesSource(lattice, c.entity, s))) continue
      const inside = versions.filter((v) => leaf.subjects.some((s) => servesVersion(lattice, c.entity, v, s)))
      const outside = weighted.flatMap((version) => {
        const where = [...new Set([...subscriptions, ...subscribersBehindLeaves(view)].filter((s) => s.server !== leaf.name && servesVersion(lattice, c.entity, version, s.subject)).map((s) => s.server))].sort()
        return where.length ? [{ version, where }] : []
      })
      if (outside.length > 0) out.push({ entity: entityLabel(c.entity), leaf: leaf.name, inside, outside })
    }
  }
  return out
}

export function doubleRunError(runs: DoubleRun[]): LatticeError {
  const what = runs.map((r) => `${r.entity}: leaf ${r.leaf} serves ${r.inside.length ? r.inside.join(', ') : 'it'} and does not hold the account JWT, while ${r.outside.map((o) => `${o.version} is served on ${o.where.join(', ')}`).join(' and ')}`)
  return new LatticeError('DOUBLE_EXECUTION', `Calls made on these leaves would run twice after this change: ${what.join('; ')}. Such a leaf delivers each call to its local instances and forwards a copy that its hub maps to another version (measured: 2,000 calls ran 3,432 times). Nothing was changed.`, {
    hint: 'Give the leaf a second remote bound to the system account and a full or cache resolver so that it holds the mapping (docs/topologies.md), or run every version on the same side of the leaf; --force pushes anyway.',
    details: { doubleRuns: runs },
  })
}

function weightedVersions(weights: Weights | null | undefined, clusters: Record<string, Weights> | undefined): string[] {
  return [...new Set([weights ?? {}, ...Object.values(clusters ?? {})].flatMap((w) => Object.entries(w).filter(([, x]) => x > 0).map(([v]) => v)))]
}

/** A subscription that receives the entity's unmapped calls (a host subscribes its entity's own subject too). */
function servesSource(lattice: string, entity: EntityRef, subject: string): boolean {
  return entity.kind === 'component' ? servesVersion(lattice, entity, entity.id, subject) : subject === unversionedSubject(lattice, entity)
}
