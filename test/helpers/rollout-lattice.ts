/**
 * A test lattice for this file with JetStream (rollouts keep their state there) and a host that
 * runs actor versions on demand; HTTP receivers (webhooks, notifications) closed with it.
 */
import type { ServerResponse } from 'node:http'
import type { NatsConnection } from 'nats'
import { afterAll, beforeAll } from 'vitest'
import type { Host } from '../../src/host-core/index.js'
import { type CliRun, lattice } from './cli.js'
import { type Received, type Receiver, startReceiver } from './http-receiver.js'
import { newActorId } from './ids.js'
import type { TestLattice } from './nats-server.js'
import { LatticeFixture } from './test-lattice.js'

export interface RolloutLattice {
  readonly l: TestLattice
  env(): Record<string, string>
  /** A new actor with v1 and v2 running, v1 at 100%. */
  actor(): Promise<string>
  /** `lattice` in the background with `env()`, killed after the file if still running. */
  background(args: string[]): CliRun
  /** A connection with the app creds (also the state user's). */
  connect(): Promise<NatsConnection>
  /** An HTTP receiver answering with `answer`. */
  receiver(answer: (req: Received, res: ServerResponse) => void): Promise<Receiver>
}

export function useRolloutLattice(): RolloutLattice {
  const t = new LatticeFixture({ state: true })
  let host: Host
  beforeAll(async () => {
    await t.start()
    host = await t.host('h0')
  })
  afterAll(() => t.stop())
  return {
    get l() {
      return t.l
    },
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
    connect: () => t.connect(),
    async receiver(answer) {
      const r = await startReceiver(answer)
      t.track('run', () => r.close())
      return r
    },
  }
}
