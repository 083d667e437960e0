/**
 * A test lattice (JetStream on: history, rollouts) with one actor whose v1 and v2 run on two
 * host-core hosts, v1 routed at 100%, a caller for real traffic, and the live weights as
 * `lattice status --json` reads them. Shared by the dashboard's server and browser tests.
 */
import { expect } from 'vitest'
import { type CliRun, json, lattice } from './cli.js'
import { newActorId } from './ids.js'
import type { TestLattice } from './nats-server.js'
import { startTestLattice } from './test-lattice.js'

export interface TwoVersionActor {
  l: TestLattice
  actor: string
  /** Connection env with state and app creds. */
  env(): Record<string, string>
  /** Calls to the actor, 10 at a time, until the returned function is awaited. */
  traffic(): Promise<() => Promise<void>>
  /** `lattice` in the background with `env()`, killed at `stop()` if still running. */
  background(args: string[]): CliRun
  /** The actor's live weights. */
  weights(): Promise<Record<string, number>>
  stop(): Promise<void>
}

export async function startTwoVersionActor(instances: { v1: number; v2: number }): Promise<TwoVersionActor> {
  const t = await startTestLattice({ state: true, appCreds: true })
  const actor = newActorId()
  const hosts = await t.hosts(2)
  await hosts[0].startActor({ id: actor, version: 'v1', count: instances.v1, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: instances.v2, handler: () => 'v2' })
  const r = await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())
  expect(r.code, r.stderr).toBe(0)
  return {
    l: t.l,
    actor,
    env: () => t.env(),
    async traffic() {
      const calls = await t.traffic(`wasmbus.rpc.default.${actor}`, { payload: new TextEncoder().encode('x') })
      return async () => {
        await calls.stop()
      }
    },
    background: (args) => t.background(args),
    async weights() {
      const s = await lattice(['status', '--json'], t.env())
      expect(s.code, s.stderr).toBe(0)
      return (
        json<{ routes: { id: string; weights: Record<string, number> }[] }>(s).routes.find((x) => x.id === actor)
          ?.weights ?? {}
      )
    },
    stop: () => t.stop(),
  }
}
