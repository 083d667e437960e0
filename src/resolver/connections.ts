/**
 * Every client connection of one account, with its subscriptions and their queue groups,
 * cluster-wide ($SYS.REQ.SERVER.PING.CONNZ with subscriptions_detail). Each server lists only
 * its own clients, so every connection appears once. Used to see how a host subscribed, from
 * outside: SUBSZ gives subjects and queue groups but not which connection holds them.
 */
import type { Connection } from './connection.js'
import { type GatherOptions, gather } from './servers.js'

export interface ClientSubscription {
  subject: string
  queue?: string
}

export interface ClientConnection {
  server: string
  cid: number
  /** The name the client gave (host-core: "host-core {hostId}"). */
  name?: string
  subscriptions: ClientSubscription[]
}

interface ConnzReply {
  server?: { name?: string }
  data?: {
    connections?: { cid: number; name?: string; subscriptions_list_detail?: { subject: string; qgroup?: string }[] }[]
  }
}

export async function listConnections(
  nc: Connection,
  account: string,
  opts: GatherOptions = {},
): Promise<ClientConnection[]> {
  const body = JSON.stringify({ acc: account, subscriptions_detail: true, limit: 100_000 })
  const out: ClientConnection[] = []
  for (const text of await gather(nc, '$SYS.REQ.SERVER.PING.CONNZ', body, opts)) {
    let reply: ConnzReply
    try {
      reply = JSON.parse(text)
    } catch {
      continue
    }
    for (const c of reply.data?.connections ?? []) {
      const subscriptions = (c.subscriptions_list_detail ?? []).map((s) => ({
        subject: s.subject,
        ...(s.qgroup ? { queue: s.qgroup } : {}),
      }))
      out.push({
        server: reply.server?.name ?? 'unknown',
        cid: c.cid,
        ...(c.name ? { name: c.name } : {}),
        subscriptions,
      })
    }
  }
  return out
}
