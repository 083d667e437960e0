/** docs/host-core.md's samples: `lattice host check` of a host-core host (with --stop) and of a broken plain nats.js host. */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { inventorySubject, unversionedSubject } from '../../src/subjects/index.js'
import { appConnection } from '../helpers/traffic.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const [A, X] = [fixedActor(1), fixedActor(8)]

describe('host check', () => {
  let s: Scene
  const closers: (() => Promise<void>)[] = []
  beforeAll(async () => {
    s = await startScene()
    await s.run([
      { actor: A, versions: ['v1'] },
      { actor: A, versions: ['v2'], count: 2 },
    ])
    // A broken host: plain nats.js, only the unversioned subject in no queue group, an empty inventory.
    const nc = await appConnection(s.l.url, s.l.appCredsFile)
    closers.push(() => nc.close())
    nc.subscribe(unversionedSubject('default', { kind: 'actor', id: X }), {
      callback: (_e, m) => m.respond(new TextEncoder().encode('v1')),
    })
    nc.subscribe(inventorySubject('default', 'host-x'), {
      callback: (_e, m) =>
        m.respond(
          new TextEncoder().encode(
            JSON.stringify({ accepted: true, hostId: 'host-x', lattice: 'default', entities: [] }),
          ),
        ),
    })
    await nc.flush()
  }, 120_000)
  afterAll(async () => {
    for (const close of closers) await close()
    await s?.stop()
  })

  it('a conformant host-core host, checked with --stop', async () => {
    const t = s.transcript()
    await t.run(`lattice host check actor ${A} --version v2 --host host-a --stop`)
    expectSample('host-core/check', t.text())
  })

  it('a broken host fails with the requirements named', async () => {
    const t = s.transcript()
    await t.run(`lattice host check actor ${X} --version v1 --host host-x`, { code: 11 })
    expectSample('host-core/check-broken', t.text())
  })
})
