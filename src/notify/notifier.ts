/**
 * Tells the world about a rollout's events: each is published on NATS
 * (lattice.rollout.<lattice>.<type>, as the state user) and POSTed to every --notify URL. The
 * rollout only hands events over: publishing is fire-and-forget, POSTs go in the background
 * (src/notify/receiver.ts). When the rollout ends, `close` waits a short grace for what is
 * still queued, then gives up and says how much was not delivered.
 */
import type { RolloutEvent } from '../rollout/rollout-event.js'
import { urlOrigin } from '../redact.js'
import type { RolloutPlan } from '../plan/rollout-plan.js'
import { notificationOf, rolloutSubject } from './message.js'
import { DELIVERY, Receiver } from './receiver.js'

/** Publishes JSON on a subject (the state store's connection); never blocks. */
export interface Publisher {
  publish(subject: string, value: unknown): void
  flush(): Promise<void>
}

export const NOTIFY_GRACE_MS = 2000

export interface Undelivered {
  count: number
  /** The receivers that missed some (by origin: a chat webhook's path is a secret). */
  receivers: string[]
}

export class Notifier {
  private readonly receivers: Receiver[]
  private published = false

  constructor(
    private readonly lattice: string,
    private readonly plan: RolloutPlan,
    urls: string[],
    private readonly bus?: Publisher,
    delivery = DELIVERY,
  ) {
    this.receivers = [...new Set(urls)].map((u) => new Receiver(u, delivery))
  }

  event(e: RolloutEvent): void {
    const message = notificationOf(this.lattice, this.plan, e)
    if (this.bus) {
      try {
        this.bus.publish(rolloutSubject(this.lattice, e.type), message)
        this.published = true
      } catch {
        // the state connection is gone: the rollout goes on regardless
      }
    }
    for (const r of this.receivers) r.push(message)
  }

  /** Wait up to `graceMs` for the queues (and the NATS flush), then stop; what was not delivered. */
  async close(graceMs = NOTIFY_GRACE_MS): Promise<Undelivered> {
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))
    const flushed = this.published && this.bus ? this.bus.flush().catch(() => undefined) : undefined
    await Promise.race([Promise.all([...this.receivers.map((r) => r.idle()), flushed]), grace])
    clearTimeout(timer)
    const missed = await Promise.all(this.receivers.map(async (r) => ({ url: r.url, n: await r.close() })))
    const lost = missed.filter((m) => m.n > 0)
    return { count: lost.reduce((sum, m) => sum + m.n, 0), receivers: [...new Set(lost.map((m) => urlOrigin(m.url)))] }
  }
}
