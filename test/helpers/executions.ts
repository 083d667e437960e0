/**
 * Real calls through host-core hosts, counted where they run: how many calls each version
 * executed for how many calls made (a call run twice shows as more executions than calls).
 */
import type { NatsConnection } from 'nats'
import { Host } from '../../src/host-core/index.js'

export interface CountingActor {
  /** Executions per version since the last `reset`. */
  executions: Record<string, number>
  reset(): void
  close(): Promise<void>
}

/** One host per placement, each running `version` of `actor` on the connection given. */
export async function countingActor(
  actor: string,
  placements: { version: string; nc: NatsConnection }[],
): Promise<CountingActor> {
  const executions: Record<string, number> = {}
  const hosts: Host[] = []
  for (const [i, p] of placements.entries()) {
    const host = await Host.start({
      nc: p.nc,
      hostId: `host-${p.version}-${i}`,
      control: false,
      metrics: false,
      logger: false,
    })
    hosts.push(host)
    await host.startActor({
      id: actor,
      version: p.version,
      handler: () => {
        executions[p.version] = (executions[p.version] ?? 0) + 1
        return p.version
      },
    })
    await p.nc.flush()
  }
  return {
    executions,
    reset() {
      for (const k of Object.keys(executions)) delete executions[k]
    },
    async close() {
      await Promise.all(hosts.map((h) => h.close()))
    },
  }
}

/** Make `calls` requests (20 in flight) and wait until executions stop growing; returns calls answered and executions. */
export async function callAndCount(
  caller: NatsConnection,
  subject: string,
  actor: CountingActor,
  calls = 2000,
): Promise<{ answered: number; executions: Record<string, number>; total: number }> {
  actor.reset()
  let answered = 0
  let next = 0
  const worker = async () => {
    while (next < calls) {
      next++
      await caller.request(subject, new Uint8Array(0), { timeout: 5000 }).then(
        () => answered++,
        () => undefined,
      )
    }
  }
  await Promise.all(Array.from({ length: 20 }, worker))
  // A copy forwarded to a hub runs a moment after the reply to the caller: wait until the count settles.
  let last = -1
  for (let i = 0; i < 50; i++) {
    const total = Object.values(actor.executions).reduce((a, b) => a + b, 0)
    if (total === last) break
    last = total
    await new Promise((r) => setTimeout(r, 200))
  }
  return { answered, executions: { ...actor.executions }, total: last }
}
