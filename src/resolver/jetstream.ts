/**
 * Which servers run JetStream, asked as a system-account user: every server answers
 * `$SYS.REQ.SERVER.PING.JSZ` (a server without JetStream says so), and the JetStream meta
 * leader also lists the meta group's peers, including those that are down. That is how lattice
 * chooses the state bucket's replica count and names the servers missing when it is unreachable.
 */
import type { Connection } from './connection.js'
import { type GatherOptions, gather } from './servers.js'

export interface JetStreamServers {
  /** Servers running JetStream that answered, sorted. */
  online: string[]
  /** Peers of the JetStream meta group that did not answer (down or cut off), sorted. */
  missing: string[]
  /** The meta group's leader, when one answered. */
  leader?: string
  /** Online servers in the cluster that has most: a stream's replicas are placed within one cluster (a supercluster has several). */
  largestCluster: number
}

interface JszReply {
  server?: { name?: string; id?: string; cluster?: string }
  data?: {
    disabled?: boolean
    config?: unknown
    meta_cluster?: { leader?: string; replicas?: { name: string; offline?: boolean }[] }
  }
  error?: unknown
}

/** The replica count a new bucket gets: one per JetStream server, up to 3 (NATS's advice for KV in a cluster). */
export const MAX_REPLICAS = 3

export async function jetStreamServers(nc: Connection, opts: GatherOptions = {}): Promise<JetStreamServers> {
  const replies = await gather(nc, '$SYS.REQ.SERVER.PING.JSZ', '{}', opts)
  const online = new Set<string>()
  const peers = new Set<string>()
  let leader: string | undefined
  const perCluster = new Map<string, number>()
  for (const text of replies) {
    let reply: JszReply
    try {
      reply = JSON.parse(text) as JszReply
    } catch {
      continue
    }
    const name = reply.server?.name || reply.server?.id
    if (!name || reply.error || !reply.data || reply.data.disabled || !reply.data.config) continue
    online.add(name)
    const cluster = reply.server?.cluster ?? name
    perCluster.set(cluster, (perCluster.get(cluster) ?? 0) + 1)
    const meta = reply.data.meta_cluster
    if (meta?.leader) leader = meta.leader
    if (meta?.leader) peers.add(meta.leader)
    for (const peer of meta?.replicas ?? []) peers.add(peer.name)
  }
  const missing = [...peers].filter((p) => !online.has(p)).sort()
  return {
    online: [...online].sort(),
    missing,
    ...(leader ? { leader } : {}),
    largestCluster: Math.max(0, ...perCluster.values()),
  }
}

/**
 * The replicas a bucket should have: one per JetStream server (those down included), up to
 * MAX_REPLICAS, and no more than one cluster holds (those down counted in, as their cluster is unknown).
 */
export function allowedReplicas(servers: JetStreamServers): number {
  const total = servers.online.length + servers.missing.length
  return Math.max(1, Math.min(MAX_REPLICAS, total, servers.largestCluster + servers.missing.length))
}
