/**
 * docs/compatibility.md's samples: what the oldest server's rules refuse before a push. Both are
 * refusals of nats-server 2.9 (the doc says so), so they run on a server under test that refuses.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { serverAtLeast } from '../helpers/server-version.js'
import { skipIf, skips } from '../helpers/skips.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const A = fixedActor(1)
/** The error lattice printed, without the command (the doc shows the error alone). */
const errorOf = (stderr: string) => stderr.slice(stderr.indexOf('Error [')).replace(/\n+$/, '')

describe('what nats-server 2.9 refuses', skipIf(skips.serverAtLeast('2.9.22')), () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene({ nodes: 2 })
    await s.run([{ actor: A, versions: ['v1', 'v2'] }])
  }, 120_000)
  afterAll(() => s?.stop())

  it('cluster-scoped weights beside unscoped ones over 100%; component routes', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --to v1 --weight 100`, { hidden: true })
    if (!serverAtLeast('2.10.18')) {
      const r = await t.run(`lattice shift actor ${A} --cluster test --to v2 --weight 100`, { hidden: true, code: 8 })
      expectSample('compatibility/weights', errorOf(r.stderr))
    }
    const r = await t.run('lattice shift component hello --from hello --to hello-v2 --weight 10 --force', {
      hidden: true,
      code: 8,
    })
    expectSample('compatibility/components', errorOf(r.stderr))
  }, 60_000)
})
