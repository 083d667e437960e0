/**
 * docs/analysis.md's samples: watch with each version's calls, error rate and latency from the
 * hosts' reports; a rollout to an equal canary that passes and one to a canary 100 ms slower that
 * fails. On a loaded 2-core machine an equal canary's latency can differ by a few ms, so the
 * rollouts raise the latency floor to 10 ms; 100 ms slower is far beyond it either way.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const A = fixedActor(7)
const slow = (v: string) => () => (v === '1.2.0' ? new Promise<string>((r) => setTimeout(() => r(v), 100)) : v)

describe('canary analysis', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
    await s.run([{ actor: A, versions: ['1.0.0', '1.1.0', '1.2.0'], handler: slow }])
    await s.transcript().run(`lattice shift actor ${A} --to 1.1.0 --weight 100`, { hidden: true })
    s.traffic(`wasmbus.rpc.default.${A}`, 2)
  }, 120_000)
  afterAll(() => s?.stop())

  it('watch shows the metrics next to the split', async () => {
    const t = s.transcript()
    await t.run(`lattice watch ${A} --count 3 --interval 2s`)
    expectSample('analysis/watch', t.text())
  }, 60_000)

  it('an equal canary passes, one 100 ms slower is rolled back', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --to 1.0.0 --weight 100`, { hidden: true })
    // Callers one call at a time: a slow canary's calls hold up only their own caller.
    for (let i = 0; i < 6; i++) s.traffic(`wasmbus.rpc.default.${A}`, 1)
    await t.run(
      `lattice rollout actor ${A} --from 1.0.0 --to 1.1.0 --steps 20,50,100 --interval 5s --analysis-latency-floor-ms 10`,
    )
    t.gap()
    await t.run(`lattice rollout status ${A}`)
    t.gap()
    await t.run(
      `lattice rollout actor ${A} --from 1.1.0 --to 1.2.0 --steps 20,50,100 --interval 5s --analysis-latency-floor-ms 10`,
      { code: 10, showExit: true },
    )
    expectSample('analysis/rollout', t.text())
  }, 120_000)
})
