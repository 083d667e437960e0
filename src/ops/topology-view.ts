/**
 * The account's place in the lattice as lattice sees it: the leaf nodes that carry it, the
 * servers that are leaves themselves, and the clusters joined by gateways.
 */
import type { ServerIdentity } from '../resolver/servers.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import type { Topology } from '../resolver/topology.js'
import type { KnownServer } from '../state/known-servers.js'
import { type EntityRef, servesVersion, unversionedSubject } from '../subjects/index.js'

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
    .filter(
      (s) =>
        answered.has(s.server) &&
        s.remotes.some(
          (r) => r.account !== s.systemAccount && (r.account === account || !/^A[A-Z2-7]{55}$/.test(r.account)),
        ),
    )
    .map((s) => s.server)
  const leaves = new Map<string, LeafNode>()
  for (const link of t.links.filter((l) => l.account === account)) {
    const name = link.leaf ?? candidates.shift() ?? `leaf at ${link.address}`
    const place = places.get(name)
    const leaf = leaves.get(name) ?? {
      name,
      hubs: [],
      answersSystem: answered.has(name),
      canHoldJwt: answered.has(name) && Boolean(place?.operatorMode),
      subjects: [],
    }
    leaf.hubs = [...new Set([...leaf.hubs, link.hub])].sort()
    leaf.subjects = [...new Set([...leaf.subjects, ...link.subjects.filter((s) => !s.startsWith('$'))])].sort()
    leaves.set(name, leaf)
  }
  // Gateways name the clusters; which servers are in each, the pings and VARZ replies tell (either may miss a slow one).
  const clusters = new Map<string, Set<string>>()
  for (const s of t.servers)
    for (const c of s.gateway ? [s.gateway.name, ...s.gateway.configured] : [])
      if (!clusters.has(c)) clusters.set(c, new Set())
  for (const s of t.servers) if (s.gateway) clusters.get(s.gateway.name)?.add(s.server)
  for (const s of answering) if (s.cluster) clusters.get(s.cluster)?.add(s.name)
  return {
    leaves: [...leaves.values()].sort((a, b) => a.name.localeCompare(b.name)),
    spokes,
    clusters: [...clusters.entries()]
      .map(([name, servers]) => ({ name, servers: [...servers].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name)),
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
  return view.leaves
    .filter((l) => !l.canHoldJwt)
    .flatMap((l) => l.subjects.map((subject) => ({ server: l.name, subject })))
}

/** Leaves seen in earlier changes that are gone now (named in the result; a leaf that is down has no callers). */
export function missingLeaves(view: TopologyView, known: KnownServer[]): KnownServer[] {
  const here = new Set(view.leaves.map((l) => l.name))
  return known.filter((k) => k.kind === 'leaf' && !here.has(k.name))
}

/** A subscription that receives the entity's unmapped calls (a host subscribes its entity's own subject too). */
export function servesSource(lattice: string, entity: EntityRef, subject: string): boolean {
  return entity.kind === 'component'
    ? servesVersion(lattice, entity, entity.id, subject)
    : subject === unversionedSubject(lattice, entity)
}
