/** Steady calls to a subject from `loops` callers, each waiting for its answer (or error) before the next: real traffic for a rollout to judge. */
import type { NatsConnection } from 'nats'

export function steadyCalls(nc: NatsConnection, subject: string, loops = 4, pauseMs = 5): { stop(): Promise<void> } {
  let running = true
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
  const loop = async () => {
    while (running) {
      await nc.request(subject, '', { timeout: 5000 }).catch(() => undefined)
      await sleep(pauseMs)
    }
  }
  const all = Array.from({ length: loops }, loop)
  return {
    stop: async () => {
      running = false
      await Promise.all(all)
    },
  }
}
