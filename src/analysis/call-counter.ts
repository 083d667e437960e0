/**
 * Where a rollout's analysis counts each version's real calls over a window: the hosts' metrics
 * reports (collector.ts, host-core), or a NATS service's own stats (service-stats.ts). The
 * analysis only opens windows and reads them.
 */
import type { WindowMetrics } from './window.js'

export interface CallCounter {
  /** Versions with counts so far (in this run). */
  versions(): Set<string>
  /** Open a window now: calls from here on count. */
  begin(): void
  /** Each version's calls since begin(), as the latest counts have them. */
  window(): Map<string, WindowMetrics>
  /** Resolves when new counts arrive, or after `ms`. */
  next(ms: number): Promise<void>
  /** How often new counts arrive (ms). */
  readonly intervalMs: number
  stop(): void
}

/** Waits for the next counts: each waiter resolves when they arrive (wake) or after its own timeout. */
export class Arrivals {
  private waiters: (() => void)[] = []

  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}
