/** docs/analysis.md's samples: watch with each version's calls, error rate and latency from the hosts' reports. */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const A = fixedActor(7)

describe('canary analysis', () => {
  let s: Scene
  let stop: () => Promise<void>
  beforeAll(async () => {
    s = await startScene()
    await s.run([{ actor: A, versions: ['1.0.0', '1.1.0', '1.2.0'] }])
    await s.transcript().run(`lattice shift actor ${A} --to 1.1.0 --weight 100`, { hidden: true })
    stop = s.traffic(`wasmbus.rpc.default.${A}`, 2)
  }, 120_000)
  afterAll(async () => {
    await stop?.()
    await s?.stop()
  })

  it('watch shows the metrics next to the split', async () => {
    const t = s.transcript()
    await t.run(`lattice watch ${A} --count 3 --interval 2s`)
    expectSample('analysis/watch', t.text())
  }, 60_000)
})
