/**
 * Who subscribes to what, cluster-wide ($SYS.REQ.SERVER.PING.SUBSZ). Each server lists only
 * its own clients' subscriptions (verified on 2.9.10: route interest is not repeated), so
 * summing over servers counts every subscriber once.
 */
import { RequestStrategy } from 'nats'
import { LatticeError } from '../errors.js'
import type { Connection } from './connection.js'

export interface Subscriber {
  server: string
  subject: string
  queue?: string
}

interface SubszReply {
  server?: { name?: string }
  data?: { subscriptions_list?: { subject: string; qgroup?: string }[] }
}

/** Every subscription in `account` on any server that answers within the quiet period. */
export async function listSubscriptions(nc: Connection, account: string, opts: { quietMs?: number; maxWaitMs?: number } = {}): Promise<Subscriber[]> {
  const out: Subscriber[] = []
  try {
    await collect(nc, account, opts, out)
  } catch (e) {
    if ((e as { code?: string }).code === '503') throw new LatticeError('NO_RESOLVER', 'No NATS server answered the subscription query.', { hint: 'Use --creds (NATS_CREDS) of a system-account user.' })
    throw e
  }
  return out
}

async function collect(nc: Connection, account: string, opts: { quietMs?: number; maxWaitMs?: number }, out: Subscriber[]): Promise<void> {
  const iter = await nc.requestMany('$SYS.REQ.SERVER.PING.SUBSZ', new TextEncoder().encode(JSON.stringify({ account, subscriptions: true, limit: 1_000_000 })), {
    strategy: RequestStrategy.JitterTimer,
    jitter: opts.quietMs ?? 200,
    maxWait: opts.maxWaitMs ?? 3000,
  })
  for await (const msg of iter) {
    const body = JSON.parse(new TextDecoder().decode(msg.data)) as SubszReply
    for (const s of body.data?.subscriptions_list ?? []) out.push({ server: body.server?.name ?? 'unknown', subject: s.subject, ...(s.qgroup ? { queue: s.qgroup } : {}) })
  }
}

/** How many subscriptions are exactly on `subject` in queue group `queue`. */
export function countSubscribers(subs: Subscriber[], subject: string, queue: string): number {
  return subs.filter((s) => s.subject === subject && s.queue === queue).length
}
