/**
 * A test lattice (JetStream on: history, rollouts) with one actor whose v1 and v2 run on two
 * host-core hosts, v1 routed at 100%, a caller for real traffic, and the live weights as
 * `lattice status --json` reads them. Shared by the dashboard's server and browser tests.
 */
import type { NatsConnection } from 'nats'
import { expect } from 'vitest'
import { Host } from '../../src/host-core/index.js'
import { json, lattice } from './cli.js'
import { newActorId } from './ids.js'
import { type TestLattice, startLattice } from './nats-server.js'
import { appConnection } from './traffic.js'

export interface TwoVersionActor {
  l: TestLattice
  actor: string
  /** Connection env with state and app creds. */
  env(): Record<string, string>
  /** Calls to the actor, 10 at a time, until the returned function is awaited. */
  traffic(): () => Promise<void>
  /** The actor's live weights. */
  weights(): Promise<Record<string, number>>
  stop(): Promise<void>
}

export async function startTwoVersionActor(instances: { v1: number; v2: number }): Promise<TwoVersionActor> {
  const l = await startLattice({ jetstream: true })
  const actor = newActorId()
  const env = () => ({ ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile, LATTICE_APP_CREDS: l.appCredsFile })
  const conns: NatsConnection[] = await Promise.all([0, 1, 2].map(() => appConnection(l.url, l.appCredsFile)))
  const hosts = await Promise.all([0, 1].map((i) => Host.start({ nc: conns[i], lattice: 'default', hostId: `h${i}` })))
  await hosts[0].startActor({ id: actor, version: 'v1', count: instances.v1, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: instances.v2, handler: () => 'v2' })
  const r = await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], env())
  expect(r.code, r.stderr).toBe(0)
  return {
    l,
    actor,
    env,
    traffic() {
      let on = true
      const loop = (async () => {
        while (on) await Promise.all(Array.from({ length: 10 }, () => conns[2].request(`wasmbus.rpc.default.${actor}`, new TextEncoder().encode('x'), { timeout: 2000 }).catch(() => undefined)))
      })()
      return async () => {
        on = false
        await loop
      }
    },
    async weights() {
      const s = await lattice(['status', '--json'], env())
      expect(s.code, s.stderr).toBe(0)
      return json<{ routes: { id: string; weights: Record<string, number> }[] }>(s).routes.find((x) => x.id === actor)?.weights ?? {}
    },
    async stop() {
      await Promise.all(hosts.map((h) => h.close()))
      await Promise.all(conns.map((c) => c.close()))
      await l.stop()
    },
  }
}
