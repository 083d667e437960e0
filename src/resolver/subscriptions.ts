/**
 * Who subscribes to what, cluster-wide ($SYS.REQ.SERVER.PING.SUBSZ). Each server lists only
 * its own clients' subscriptions (verified on 2.9.10: route interest is not repeated), so
 * summing over servers counts every subscriber once.
 */
import type { Connection } from './connection.js'
import { type GatherOptions, gather } from './servers.js'

export interface Subscriber {
  server: string
  subject: string
  queue?: string
}

interface SubszReply {
  server?: { name?: string }
  data?: { subscriptions_list?: { subject: string; qgroup?: string }[] }
}

/** Every subscription in `account` on every server that answers (stop early once `expected` have). */
export async function listSubscriptions(
  nc: Connection,
  account: string,
  opts: GatherOptions = {},
): Promise<Subscriber[]> {
  const replies = await gather(
    nc,
    '$SYS.REQ.SERVER.PING.SUBSZ',
    JSON.stringify({ account, subscriptions: true, limit: 1_000_000 }),
    opts,
  )
  const out: Subscriber[] = []
  for (const text of replies) {
    const body = JSON.parse(text) as SubszReply
    for (const s of body.data?.subscriptions_list ?? [])
      out.push({ server: body.server?.name ?? 'unknown', subject: s.subject, ...(s.qgroup ? { queue: s.qgroup } : {}) })
  }
  return out
}

/** How many subscriptions are exactly on `subject` in queue group `queue`. */
export function countSubscribers(subs: Subscriber[], subject: string, queue: string): number {
  return subs.filter((s) => s.subject === subject && s.queue === queue).length
}
