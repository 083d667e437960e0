/**
 * docs/services.md's samples: `lattice status` with application-account creds lists the services
 * of real nats.js services-framework instances (calc 1.0.0 twice, 1.1.0 on subjects of its own,
 * 1.2.0 on 1.0.0's subject).
 */
import { afterAll, beforeAll, it } from 'vitest'
import { jsService } from '../helpers/services.js'
import { type LatticeFixture, startTestLattice } from '../helpers/test-lattice.js'
import { Transcript, expectSample } from './sample.js'

let t: LatticeFixture
beforeAll(async () => {
  t = await startTestLattice({ appCreds: true })
  for (let i = 0; i < 2; i++)
    await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.2.0', group: 'calc', endpoints: ['add'] })
}, 120_000)
afterAll(() => t?.stop())

it('status lists the services, their versions, instances and subjects, and a shared subject', async () => {
  const s = new Transcript(() => t.env())
  await s.run('lattice status')
  expectSample('services/status', s.text())
})
