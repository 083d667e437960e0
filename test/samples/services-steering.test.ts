/**
 * docs/services.md's samples of steering: real nats.js services-framework instances (calc 1.0.0
 * twice on calc.*, 1.1.0 on v1_1_0.calc.*, 1.2.0 lacking echo, 1.3.0 whose handler throws on
 * every third call), the state on, steady calls to calc.add while rollouts and verify run.
 */
import type { NatsConnection } from 'nats'
import { afterAll, beforeAll, it } from 'vitest'
import { jsService } from '../helpers/services.js'
import { steadyCalls } from '../helpers/steady-calls.js'
import { type LatticeFixture, startTestLattice } from '../helpers/test-lattice.js'
import { Transcript, expectSample } from './sample.js'

let t: LatticeFixture
let caller: NatsConnection
beforeAll(async () => {
  t = await startTestLattice({ appCreds: true, state: true })
  for (let i = 0; i < 2; i++)
    await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.2.0', group: 'v1_2_0.calc', endpoints: ['add'] })
  let n = 0
  await jsService(t, {
    name: 'calc',
    version: '1.3.0',
    group: 'v1_3_0.calc',
    endpoints: ['add', 'echo'],
    handler: () => {
      if (++n % 3 === 0) throw new Error('boom')
      return '1.3.0'
    },
  })
  caller = await t.connect()
}, 120_000)
afterAll(() => t?.stop())

it('shift service, status with the routes, a version lacking an endpoint refused', async () => {
  const s = new Transcript(() => t.env())
  await s.run('lattice shift service calc --from 1.0.0 --to 1.1.0 --weight 30')
  await s.run('lattice status')
  expectSample('services/shift', s.text())
  s.reset()
  await s.run('lattice shift service calc --to 1.2.0 --weight 10', { code: 8, showExit: true })
  expectSample('services/missing-endpoint', s.text())
})

it('verify counts the split from the stats; a failing version is rolled back from its stats alone', async () => {
  const traffic = steadyCalls(caller, 'calc.add')
  try {
    const s = new Transcript(() => t.env())
    await s.run('lattice verify service calc --window 5s')
    expectSample('services/verify', s.text())
    s.reset()
    await s.run('lattice shift service calc --to 1.0.0 --weight 100', { hidden: true })
    await s.run('lattice rollout service calc --from 1.0.0 --to 1.3.0 --steps 10,50,100 --interval 10s', {
      code: 10,
      showExit: true,
    })
    expectSample('services/rollout', s.text())
  } finally {
    await traffic.stop()
  }
}, 120_000)
