/**
 * One --notify receiver: notifications queued (bounded) and POSTed in the background, one at a
 * time so the receiver sees them in event order. Each is tried up to 4 times (waits of 0.5, 1
 * and 2 s between; 5 s per try); a 4xx other than 408/429 is not retried (the receiver refused
 * it). Nothing here ever throws to the rollout or makes it wait.
 */
import { httpRequest } from '../http/request.js'

export const DELIVERY = { timeoutMs: 5000, waitsMs: [500, 1000, 2000], maxQueued: 200 }

export class Receiver {
  private readonly queue: unknown[] = []
  private readonly stop = new AbortController()
  private running: Promise<void> | undefined
  /** Notifications given up on: refused, failing after every try, or dropped with the queue full. */
  private lost = 0

  constructor(
    readonly url: string,
    private readonly delivery = DELIVERY,
  ) {}

  push(body: unknown): void {
    if (this.stop.signal.aborted || this.queue.length >= this.delivery.maxQueued) {
      this.lost++
      return
    }
    this.queue.push(body)
    this.running ??= this.drain().finally(() => (this.running = undefined))
  }

  /** Resolves when everything queued so far has been sent (or given up on). */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /** Stop sending (an attempt under way is cut short); how many notifications were not delivered. */
  async close(): Promise<number> {
    this.stop.abort()
    await this.running
    return this.lost + this.queue.length
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.stop.signal.aborted) {
      const delivered = await this.deliver(this.queue[0])
      if (this.stop.signal.aborted && !delivered) return // still queued: counted by close()
      this.queue.shift()
      if (!delivered) this.lost++
    }
  }

  private async deliver(body: unknown): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const out = await httpRequest(this.url, {
        method: 'POST',
        json: body,
        timeoutMs: this.delivery.timeoutMs,
        signal: this.stop.signal,
      })
      if (out.ok && out.answer.status >= 200 && out.answer.status < 300) return true
      const refused =
        out.ok &&
        out.answer.status >= 400 &&
        out.answer.status < 500 &&
        out.answer.status !== 408 &&
        out.answer.status !== 429
      const wait = this.delivery.waitsMs[attempt]
      if (refused || wait === undefined || this.stop.signal.aborted) return false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        this.stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
    }
  }
}
