/** A test lattice with JetStream (rollouts keep their state there) and a host that runs actor versions on demand. */
import type { CliRun } from './cli.js'
import { lattice } from './cli.js'
import { newActorId } from './ids.js'
import type { TestLattice } from './nats-server.js'
import { startTestLattice } from './test-lattice.js'

export interface RolloutLattice {
  l: TestLattice
  env(): Record<string, string>
  /** A new actor with v1 and v2 running, v1 at 100%. */
  actor(): Promise<string>
  /** `lattice` in the background with `env()`, killed at `stop()` if still running. */
  background(args: string[]): CliRun
  stop(): Promise<void>
}

export async function startRolloutLattice(): Promise<RolloutLattice> {
  const t = await startTestLattice({ state: true })
  const host = await t.host('h0')
  return {
    l: t.l,
    env: () => t.env(),
    async actor() {
      const id = newActorId()
      await host.startActor({ id, version: 'v1', handler: () => 'v1' })
      await host.startActor({ id, version: 'v2', handler: () => 'v2' })
      const r = await lattice(['shift', 'actor', id, '--to', 'v1', '--weight', '100'], t.env())
      if (r.code !== 0) throw new Error(`shift failed: ${r.stderr}`)
      return id
    },
    background: (args) => t.background(args),
    stop: () => t.stop(),
  }
}
