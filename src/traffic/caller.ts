/**
 * Calls made for `lattice dev traffic`, counted by the version that answered. A reply does not
 * say which version sent it (host-core answers with the handler's bytes alone), so versions are
 * told as `watch` tells them (passive-subscription.ts): a plain subscription to each running version's
 * versioned subject sees every call the mapping sends there. Ours are told apart from other
 * callers' by their reply subject, an inbox of our own. The call is delivered to that
 * subscription while the server handles our publish, so it is always seen before its reply.
 */
import { randomBytes } from 'node:crypto'
import type { Connection, Msg, Subscription } from '../resolver/connection.js'

export interface TrafficTally {
  sent: number
  /** Calls answered, by the version that answered. */
  answered: Record<string, number>
  /** Calls answered with an error (a Nats-Service-Error header), by version. */
  failed: Record<string, number>
  /** Calls that went to the unversioned subject (no mapping): answered, but by no version we can tell. */
  unversioned: { answered: number; failed: number }
  /** Calls nothing subscribed to (including a fault's dropped share). */
  noResponders: number
  /** Calls with no answer within the call timeout. */
  timeouts: number
  /** Sent, not yet answered nor timed out. */
  pending: number
}

export function emptyTally(): TrafficTally {
  return {
    sent: 0,
    answered: {},
    failed: {},
    unversioned: { answered: 0, failed: 0 },
    noResponders: 0,
    timeouts: 0,
    pending: 0,
  }
}

interface Pending {
  at: number
  version?: string
}

export class Caller {
  private readonly inbox = `_INBOX.${randomBytes(11).toString('hex')}.`
  private readonly pending = new Map<string, Pending>()
  private readonly watched = new Map<string, Subscription>()
  private readonly tally = emptyTally()
  private replies?: Subscription
  private seq = 0

  constructor(
    private readonly nc: Connection,
    private readonly subject: string,
    private readonly payload: Uint8Array,
    private readonly timeoutMs: number,
  ) {}

  async start(): Promise<void> {
    this.replies = this.nc.subscribe(`${this.inbox}*`, { callback: (_, msg) => this.answer(msg) })
    await this.nc.flush()
  }

  /** Watch exactly these versions (version -> versioned subject), so that calls routed there are told apart. */
  async watch(versions: Record<string, string>): Promise<void> {
    const wanted = new Map(Object.entries(versions).map(([v, s]) => [s, v]))
    for (const [subject, sub] of this.watched)
      if (!wanted.has(subject)) (sub.unsubscribe(), this.watched.delete(subject))
    for (const [subject, version] of wanted) {
      if (this.watched.has(subject)) continue
      this.watched.set(subject, this.nc.subscribe(subject, { callback: (_, msg) => this.seen(msg, version) }))
    }
    await this.nc.flush()
  }

  send(): void {
    const token = String(++this.seq)
    this.pending.set(token, { at: Date.now() })
    this.tally.sent++
    this.nc.publish(this.subject, this.payload, { reply: this.inbox + token })
  }

  /** Calls older than the call timeout count as unanswered (all of them with `all`). */
  sweep(all = false): void {
    const before = Date.now() - this.timeoutMs
    for (const [token, p] of this.pending) {
      if (!all && p.at > before) continue
      this.pending.delete(token)
      this.tally.timeouts++
    }
  }

  /** The counts so far (a copy). */
  counts(): TrafficTally {
    const t = this.tally
    return {
      ...t,
      answered: { ...t.answered },
      failed: { ...t.failed },
      unversioned: { ...t.unversioned },
      pending: this.pending.size,
    }
  }

  /** True once every call sent has been answered or given up on. */
  settled(): boolean {
    return this.pending.size === 0
  }

  stop(): void {
    this.replies?.unsubscribe()
    for (const sub of this.watched.values()) sub.unsubscribe()
    this.watched.clear()
  }

  private seen(msg: Msg, version: string): void {
    if (!msg.reply?.startsWith(this.inbox)) return
    const p = this.pending.get(msg.reply.slice(this.inbox.length))
    if (p) p.version = version
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length)
    const p = this.pending.get(token)
    if (!p) return // answered after its timeout: already counted
    this.pending.delete(token)
    // The server's "no responders" is a status message on the reply subject.
    if (msg.headers?.code === 503) {
      this.tally.noResponders++
      return
    }
    const failed = Boolean(msg.headers?.get('Nats-Service-Error'))
    if (p.version === undefined) this.tally.unversioned[failed ? 'failed' : 'answered']++
    else {
      const bucket = failed ? this.tally.failed : this.tally.answered
      bucket[p.version] = (bucket[p.version] ?? 0) + 1
    }
  }
}
