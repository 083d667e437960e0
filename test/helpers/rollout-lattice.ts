/** A test lattice with JetStream (rollouts keep their state there) and a host that runs actor versions on demand. */
import type { NatsConnection } from 'nats'
import { Host } from '../../src/host-core/index.js'
import { lattice } from './cli.js'
import { newActorId } from './ids.js'
import { type TestLattice, startLattice } from './nats-server.js'
import { appConnection } from './traffic.js'

export interface RolloutLattice {
  l: TestLattice
  env(): Record<string, string>
  /** A new actor with v1 and v2 running, v1 at 100%. */
  actor(): Promise<string>
  stop(): Promise<void>
}

export async function startRolloutLattice(): Promise<RolloutLattice> {
  const l = await startLattice({ jetstream: true })
  const conn: NatsConnection = await appConnection(l.url, l.appCredsFile)
  const host = await Host.start({ nc: conn, lattice: 'default', hostId: 'h0' })
  const env = () => ({ ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile })
  return {
    l,
    env,
    async actor() {
      const id = newActorId()
      await host.startActor({ id, version: 'v1', handler: () => 'v1' })
      await host.startActor({ id, version: 'v2', handler: () => 'v2' })
      const r = await lattice(['shift', 'actor', id, '--to', 'v1', '--weight', '100'], env())
      if (r.code !== 0) throw new Error(`shift failed: ${r.stderr}`)
      return id
    },
    async stop() {
      await host.close()
      await conn.close()
      await l.stop()
    },
  }
}
