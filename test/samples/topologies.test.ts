/**
 * docs/topologies.md's sample: a hub n1, a leaf leaf1 without operator mode serving v1 and v2,
 * a leaf leaf2 with a system-account remote and a full resolver; a shift ends PARTLY_LIVE and
 * status --servers shows the topology. nats-server 2.9 does not name leaves in LEAFZ (the doc
 * says so), so this sample comes from 2.10+ and is skipped on 2.9; regenerate it with
 * `LATTICE_NATS_SERVER=.cache/nats-servers/2.10.27/nats-server npm run docs:samples`.
 */
import type { NatsConnection } from 'nats'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { Host } from '../../src/host-core/index.js'
import { type TestLeaf, startLeaf } from '../helpers/leaf.js'
import { skipIf, skips } from '../helpers/skips.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const A = fixedActor(7)

describe('a hub and two leaves (nats-server 2.10+)', skipIf(skips.serverOlderThan('2.10.0')), () => {
  let s: Scene
  const leaves: TestLeaf[] = []
  let nc: NatsConnection
  let host: Host
  beforeAll(async () => {
    s = await startScene({ leafnodes: true })
    leaves.push(await startLeaf(s.l, 'leaf1', 'plain'), await startLeaf(s.l, 'leaf2', 'system-full'))
    nc = await leaves[0].connect()
    host = await Host.start({ nc, lattice: 'default', hostId: 'leaf-host' })
    await host.startActor({ id: A, version: 'v1', handler: () => 'v1' })
    await host.startActor({ id: A, version: 'v2', handler: () => 'v2' })
  }, 120_000)
  afterAll(async () => {
    await host?.close()
    await nc?.close()
    for (const leaf of leaves) await leaf.stop()
    await s?.stop()
  })

  it('a shift PARTLY_LIVE, and status --servers', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --from v1 --to v2 --weight 30`, { code: 13 })
    await t.run('lattice status --servers')
    expectSample('topologies/leaves', t.text())
  }, 60_000)
})
