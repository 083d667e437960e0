/** docs/shifting.md's samples on a cluster of three: shifts, a version nothing serves, cluster-scoped weights, a dry run, status. */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, fixedProvider, startScene } from './scene.js'

const [A, D, P] = [fixedActor(1), fixedActor(6), fixedProvider(9)]

describe('shifting', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene({ nodes: 3 })
    await s.run([
      { actor: A, versions: ['v1'], count: 2 },
      { actor: A, versions: ['v2'] },
      { provider: P, link: 'default', versions: ['0.3.0', '0.4.0'] },
    ])
  }, 120_000)
  afterAll(() => s?.stop())

  it('shifts, a refused version, a dry run, status; then cluster-scoped weights', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --from v1 --to v2 --weight 30`)
    t.gap()
    await t.run(`lattice shift actor ${A} --to v2 --weight 60`)
    t.gap()
    await t.run(`lattice shift provider ${P} --link default --from 0.3.0 --to 0.4.0 --weight 10`)
    expectSample('shifting/shift', t.text())
    t.reset()
    await t.run(`lattice shift actor ${A} --to V2 --weight 10`, { code: 8 })
    t.gap()
    await t.run(`lattice shift actor ${A} --to v3 --weight 10`, { code: 8 })
    expectSample('shifting/not-ready', t.text())
    t.reset()
    await t.run(`lattice shift actor ${A} --to v3 --weight 10 --dry-run`)
    expectSample('shifting/dry-run', t.text())
    t.reset()
    await t.run('lattice status')
    expectSample('shifting/status', t.text())
    t.reset()
    await s.run([{ actor: D, versions: ['v1', 'v2'] }])
    await t.run(`lattice shift actor ${D} --cluster test --from v1 --to v2 --weight 100`)
    expectSample('shifting/cluster', t.text())
  }, 120_000)
})
