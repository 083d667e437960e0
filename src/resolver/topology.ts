/**
 * What lies beyond the servers that answer the system account: leaf node connections
 * ($SYS.REQ.SERVER.PING.LEAFZ) and gateways (VARZ), as each answering server reports them.
 * Measured on 2.9.10, 2.10.27 and 2.15.1 (docs/topologies.md):
 * - a link is reported by both its ends when both answer the system account; from 2.10 each
 *   end names the other (`name`) and the end that solicited it says `is_spoke: true`. 2.9 names
 *   neither: its spoke end is the one whose VARZ remotes list the address the link goes to;
 * - the hub end lists the interest the leaf sent over the link (subjects only, no queue groups),
 *   which is how hosts behind a leaf that does not answer the system account are seen at all
 *   (the hub's SUBSZ does not list them).
 */
import type { Connection } from './connection.js'
import { type GatherOptions, gather } from './servers.js'

/** A leaf connection as seen from the server it connects to. */
export interface LeafLink {
  /** The server the leaf connects to. */
  hub: string
  /** The leaf server's name (2.10 and newer); undefined on 2.9, which does not tell. */
  leaf?: string
  /** The leaf's address as the hub sees it. */
  address: string
  /** The hub's account the link is bound to. */
  account: string
  /** Subjects the leaf has interest in (its clients' subscriptions), as it told the hub. */
  subjects: string[]
}

/** One answering server's own facts that matter for the topology. */
export interface ServerPlace {
  server: string
  /** It trusts an operator (operator mode): only then can it hold an account JWT. */
  operatorMode: boolean
  /** Its cluster's gateway name and the gateways (clusters) it is configured to reach. */
  gateway?: { name: string; configured: string[] }
  /** Remotes it solicits (it is a leaf): the account each binds locally, and where to. */
  remotes: { account: string; urls: string[] }[]
  /** Its own system account (VARZ `system_account`): a public key in operator mode, a name otherwise. */
  systemAccount?: string
}

export interface Topology {
  servers: ServerPlace[]
  /** Leaf links, each once, from the side that accepted it. */
  links: LeafLink[]
}

interface VarzReply {
  server?: { name?: string; id?: string }
  data?: {
    trusted_operators_claim?: unknown[]
    gateway?: { name?: string; gateways?: { name?: string }[] }
    leaf?: { remotes?: { local_account?: string; urls?: string[] }[] }
    system_account?: string
  }
}

interface LeafzReply {
  server?: { name?: string; id?: string }
  data?: {
    leafs?: {
      name?: string
      is_spoke?: boolean
      account?: string
      ip?: string
      port?: number
      subscriptions_list?: string[]
    }[]
  }
}

const parse = <T>(text: string): T | undefined => {
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

const nameOf = (s: { name?: string; id?: string } | undefined) => s?.name || s?.id || 'unknown'

/** Every answering server's VARZ and LEAFZ (with the interest over each link), combined. */
export async function discoverTopology(nc: Connection, opts: GatherOptions = {}): Promise<Topology> {
  const [varz, leafz] = await Promise.all([
    gather(nc, '$SYS.REQ.SERVER.PING.VARZ', '{}', opts),
    gather(nc, '$SYS.REQ.SERVER.PING.LEAFZ', JSON.stringify({ subscriptions: true }), opts),
  ])
  const servers = new Map<string, ServerPlace>()
  for (const reply of varz.map((t) => parse<VarzReply>(t))) {
    if (!reply?.data) continue
    const d = reply.data
    const server = nameOf(reply.server)
    servers.set(server, {
      server,
      operatorMode: Array.isArray(d.trusted_operators_claim) && d.trusted_operators_claim.length > 0,
      ...(d.gateway?.name
        ? {
            gateway: {
              name: d.gateway.name,
              configured: (d.gateway.gateways ?? []).flatMap((g) => (g.name ? [g.name] : [])),
            },
          }
        : {}),
      remotes: (d.leaf?.remotes ?? []).map((r) => ({ account: r.local_account ?? '', urls: r.urls ?? [] })),
      ...(d.system_account ? { systemAccount: d.system_account } : {}),
    })
  }
  const links: LeafLink[] = []
  for (const reply of leafz.map((t) => parse<LeafzReply>(t))) {
    const hub = nameOf(reply?.server)
    const dialled = new Set((servers.get(hub)?.remotes ?? []).flatMap((r) => r.urls.map(hostPort)))
    for (const l of reply?.data?.leafs ?? []) {
      const address = `${l.ip ?? '?'}:${l.port ?? '?'}`
      // The spoke's report of a link is the other half of one its hub reports (when the hub answers).
      if (l.is_spoke === true || (l.is_spoke === undefined && dialled.has(address))) continue
      links.push({
        hub,
        ...(l.name ? { leaf: l.name } : {}),
        address,
        account: l.account ?? '',
        subjects: l.subscriptions_list ?? [],
      })
    }
  }
  return { servers: [...servers.values()].sort((a, b) => a.server.localeCompare(b.server)), links }
}

/** `nats-leaf://user@host:port` or `host:port` -> `host:port`, as LEAFZ writes a link's address. */
function hostPort(url: string): string {
  const bare = url.replace(/^[a-z-]+:\/\//, '').replace(/^[^@/]*@/, '')
  return bare.split('/')[0]
}
