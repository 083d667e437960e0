/** `lattice status`: the live routes of a lattice, decoded from the live account JWT. */
import { serviceCatalogue } from './service-catalogue.js'
import { type InstalledDifference, installedDifferences } from '../plan/installed.js'
import { type Mappings, destinationWeight, routesFromMappings } from '../plan/routes.js'
import type { Weights } from '../plan/weights.js'
import {
  type EntityKind,
  type EntityScheme,
  type ServiceSubjects,
  entityKey,
  entityScheme,
  parseVersionedSubject,
  unversionedSubject,
} from '../subjects/index.js'
import { type UnroutedStatus, instancesOf, runningEntities } from './running.js'
import { type Claims, decodeAndVerify } from '../account/jwt.js'
import { storedJwts } from '../resolver/claims.js'
import { type AccountOnServer, type ServerIdentity, accountOnServers } from '../resolver/servers.js'
import { driftedSubjects, ownUnfinishedNote } from '../state/journal.js'
import { listUnrecorded } from '../state/unrecorded.js'
import { unrecordedNote } from '../state/without-state-words.js'
import { loadLiveAccount } from './live-account.js'
import type { Session } from './session.js'
import { type Discovery, discoverServices } from '../services/discovery.js'
import { type StateHealth, stateHealth } from './state.js'
import type { KnownServer } from '../state/known-servers.js'
import { type ClusterPlace, type LeafNode, missingLeaves } from './topology-view.js'

export type { UnroutedStatus }

export interface RouteStatus {
  kind: EntityKind
  /** How the entity is addressed: wRPC (a wasmCloud component; versions are component IDs) or lattice's versioned RPC. */
  scheme: EntityScheme
  id: string
  link?: string
  /** A service's endpoint (one route each), with its caller subject and each version's subject. */
  endpoint?: string
  subjects?: ServiceSubjects
  subject: string
  /** version -> percent */
  weights: Weights
  /** Percent of calls dropped by fault injection (the rest of 100 - drop - weights stays on the unversioned subject). */
  drop?: number
  /** Cluster-scoped weights: cluster -> version -> percent (servers of that cluster use these). */
  clusters?: Record<string, Weights>
  /** version -> running instances (host-core subscriptions on the versioned subject): every weighted version, and any other version that runs (it gets 0%). */
  instances: Record<string, number>
  /** Destinations lattice did not write, each with the share the servers give it (a weight of 0 or none is 100). */
  foreign?: { subject: string; weight: number; cluster?: string }[]
}

/** One server's view of the account (`status --servers`). */
export interface ServerState {
  server: string
  cluster?: string
  version: string
  /** loaded: a client of the account is connected there, so the server runs its JWT; idle: not loaded there yet. */
  account: 'loaded' | 'idle'
  /** iat of the JWT the server runs (loaded only). */
  issuedAt?: number
  /** It runs the newest JWT any resolver holds (null when idle: it will load its stored copy). */
  latest: boolean | null
  /**
   * It runs every mapping of its JWT as written (null when idle). A server that cannot install a
   * mapping keeps its previous one for that subject while storing the JWT (2.9, 2.10).
   */
  installed: boolean | null
  /** The subjects it runs differently from its JWT. */
  differences?: InstalledDifference[]
}

/** A leaf node that carries the account (`status --servers`). */
export interface LeafState {
  name: string
  /** The servers it connects to. */
  hubs: string[]
  /** It is itself a server that answers the system account. */
  answersSystem: boolean
  /** It runs the newest account JWT, so its callers follow the mappings; false: they bypass them. */
  holdsJwt: boolean
  /** Versions of entities served behind it (from the interest it sends its hubs). */
  serves: { entity: string; version: string }[]
}

export interface StatusResult {
  account: string
  lattice: string
  /** iat of the live account JWT (seconds): the newest any resolver holds. */
  issuedAt?: number
  routes: RouteStatus[]
  /** Running entities with no route, sorted like routes. */
  unrouted: UnroutedStatus[]
  /** With --servers: each server's view. */
  servers?: ServerState[]
  /** With --servers: how many resolvers store the newest JWT, of how many answered. */
  storedCopies?: { latest: number; total: number }
  /** With --state-creds: the latest recorded revision, subjects changed outside lattice since, and a change in flight. */
  state?: { revision: number; drift: string[]; pending?: number }
  /** With --servers and --state-creds: the state bucket's replicas and where they are. */
  stateBucket?: StateHealth
  /** With --servers: the leaf nodes that carry the account. */
  leaves?: LeafState[]
  /** With --servers: the clusters of a supercluster (gateways), each with its servers that answered. */
  clusters?: ClusterPlace[]
  /** With --servers and --state-creds: servers and leaves seen in earlier changes that did not answer now. */
  missing?: KnownServer[]
  /** With --app-creds: the services (NATS services framework) the account's instances announce. */
  services?: Discovery
  warnings: string[]
}

export async function status(session: Session, opts: { servers?: boolean } = {}): Promise<StatusResult> {
  const [live, perServer, bucket, services] = await Promise.all([
    loadLiveAccount(session),
    opts.servers
      ? Promise.all([accountOnServers(session.conn, session.account), storedJwts(session.conn, session.account)])
      : undefined,
    opts.servers && session.journal ? stateHealth(session) : undefined,
    session.app ? discoverServices(session.app) : undefined,
  ])
  const subs = await live.subscriptions() // asked for together with the live JWT
  const head = session.journal ? await session.journal.head() : undefined
  const running = new Map(runningEntities(subs, session.lattice).map((e) => [e.subject, e]))
  const routes = routesFromMappings(live.claims.nats.mappings, session.lattice, await serviceCatalogue(session))
    .sort((a, b) => entityKey(a.entity).localeCompare(entityKey(b.entity)))
    .map((r) => ({
      kind: r.entity.kind,
      scheme: entityScheme(r.entity.kind),
      id: r.entity.id,
      ...(r.entity.link ? { link: r.entity.link } : {}),
      ...(r.entity.endpoint ? { endpoint: r.entity.endpoint } : {}),
      ...(r.entity.subjects ? { subjects: r.entity.subjects } : {}),
      subject: r.subject,
      weights: r.weights,
      ...(r.drop ? { drop: r.drop } : {}),
      ...(r.clusters ? { clusters: r.clusters } : {}),
      instances: {
        ...Object.fromEntries(
          [...new Set([r.weights, ...Object.values(r.clusters ?? {})].flatMap((w) => Object.keys(w)))].map((v) => [
            v,
            instancesOf(session.lattice, r.entity, v, subs),
          ]),
        ),
        ...running.get(r.subject)?.instances,
      },
      ...(r.foreign ? { foreign: r.foreign.map((d) => ({ ...d, weight: destinationWeight(d) })) } : {}),
    }))
  const routed = new Set(routes.map((r) => r.subject))
  // A component ID that is a version of a routed component is shown in that route, not as unrouted.
  for (const r of routes)
    if (r.kind === 'component')
      for (const v of Object.keys(r.instances))
        routed.add(unversionedSubject(session.lattice, { kind: 'component', id: v }))
  const unrouted = [...running.values()].filter((e) => !routed.has(e.subject))
  const result: StatusResult = {
    account: session.account,
    lattice: session.lattice,
    issuedAt: live.claims.iat,
    routes,
    unrouted,
    ...(services ? { services } : {}),
    warnings: live.warnings,
  }
  if (head) {
    const pending = head.value.pending?.record.revision
    result.state = {
      revision: head.value.revision,
      drift: driftedSubjects(head.value, live.claims.nats.mappings ?? {}),
      ...(pending === undefined ? {} : { pending }),
    }
    if (result.state.drift.length > 0)
      result.warnings.push(`Changed outside lattice: ${result.state.drift.join(', ')}.`)
    const own = ownUnfinishedNote(head.value, live.claims.nats.mappings ?? {})
    if (own) result.warnings.push(own.replace(/^./, (c) => c.toUpperCase()))
  }
  if (bucket) {
    result.stateBucket = bucket
    result.warnings.push(...bucket.warnings)
  }
  const unrecorded = listUnrecorded(session.account).map((s) => s.push)
  if (unrecorded.length > 0) result.warnings.push(unrecordedNote(unrecorded))
  if (perServer) {
    const [onServers, stored] = perServer
    const seen = new Map(onServers.map((a) => [a.server.name, a]))
    result.servers = live.servers.map((s) => serverState(s, seen.get(s.name), live.jwt))
    result.storedCopies = { latest: stored.filter((j) => j === live.jwt).length, total: stored.length }
    const topology = await live.topology()
    const known = await live.known()
    result.leaves = topology.leaves.map((l) => leafState(l, result.servers ?? [], session.lattice))
    result.clusters = topology.clusters
    const here = new Set([...live.servers.map((s) => s.name), ...topology.leaves.map((l) => l.name)])
    result.missing = [
      ...known.filter((k) => k.kind === 'server' && !here.has(k.name)),
      ...missingLeaves(topology, known),
    ]
    for (const l of result.leaves.filter((x) => !x.holdsJwt && x.serves.length > 0)) {
      result.warnings.push(
        `Leaf ${l.name} does not hold the newest account JWT: calls made on it reach the instances it serves itself unmapped (docs/topologies.md).`,
      )
    }
    if (result.missing.length > 0)
      result.warnings.push(
        `Seen in earlier changes and not answering now: ${result.missing.map((m) => m.name).join(', ')}.`,
      )
    const off = result.servers.filter((s) => s.differences)
    if (off.length > 0) {
      const one = off.length === 1
      result.warnings.push(
        `${off.map((s) => `${s.server} (${s.differences?.map((d) => d.subject).join(', ')})`).join(', ')} ${one ? 'does' : 'do'} not run every mapping of ${one ? 'its' : 'their'} JWT as written: a server that cannot install a mapping (e.g. a destination listed twice, an unknown {{function}}) keeps its previous one for that subject, while it answers "jwt updated" to the push.`,
      )
    }
  }
  return result
}

function leafState(l: LeafNode, servers: ServerState[], lattice: string): LeafState {
  const serves = l.subjects.flatMap((subject) => {
    const parsed = parseVersionedSubject(lattice, subject)
    return parsed ? [{ entity: parsed.entity.id, version: parsed.version }] : []
  })
  const own = servers.find((s) => s.server === l.name)
  return {
    name: l.name,
    hubs: l.hubs,
    answersSystem: l.answersSystem,
    holdsJwt: l.canHoldJwt && own?.latest === true,
    serves,
  }
}

/** One server's view: which JWT it runs, and whether it runs that JWT's mappings as written. */
function serverState(s: ServerIdentity, on: AccountOnServer | undefined, liveJwt: string): ServerState {
  const base = { server: s.name, ...(s.cluster ? { cluster: s.cluster } : {}), version: s.version }
  if (!on?.loaded) return { ...base, account: 'idle', latest: null, installed: null }
  const claims = claimsOf(on.jwt)
  const differences = claims ? installedDifferences(claims.nats?.mappings as Mappings | undefined, on.mappings) : []
  return {
    ...base,
    account: 'loaded',
    ...(claims?.iat ? { issuedAt: claims.iat } : {}),
    latest: on.jwt === liveJwt,
    installed: claims ? differences.length === 0 : null,
    ...(differences.length > 0 ? { differences } : {}),
  }
}

function claimsOf(jwt: string | undefined): Claims | undefined {
  try {
    return jwt ? decodeAndVerify(jwt).claims : undefined
  } catch {
    return undefined
  }
}
