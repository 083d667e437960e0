/**
 * docs/rollouts.md's samples over real traffic: a probe-gated rollout, its status, one that
 * fails its probes, watch, verify (a split and one version) and a timed fault.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const [A, B, C] = [fixedActor(1), fixedActor(2), fixedActor(3)]
const subject = (id: string) => `wasmbus.rpc.default.${id}`

describe('rollouts, watch, verify, faults', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
    const failing = (v: string) => () => {
      if (v === '1.2.0') throw new Error('database unreachable')
      return v
    }
    await s.run([
      { actor: A, versions: ['1.0.0', '1.1.0', '1.2.0'], handler: failing },
      { actor: B, versions: ['v1'] },
    ])
    // B's v2 and both of C's versions run on a host that sends no metrics reports.
    await s.run(
      [
        { actor: B, versions: ['v2'] },
        { actor: C, versions: ['v1', 'v2'] },
      ],
      { hostId: 'host-b', metrics: false },
    )
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --to 1.0.0 --weight 100`, { hidden: true })
    await t.run(`lattice shift actor ${B} --from v1 --to v2 --weight 30`, { hidden: true })
    await t.run(`lattice shift actor ${C} --to v1 --weight 100`, { hidden: true })
    for (const id of [A, B, C]) s.traffic(subject(id))
  }, 120_000)
  afterAll(() => s?.stop())

  it('a rollout gated by probes, its status, and one that fails its probes', async () => {
    const t = s.transcript()
    // Real-traffic analysis is docs/analysis.md's sample; the latency limits leave room for a loaded machine.
    await t.run(
      `lattice rollout actor ${A} --from 1.0.0 --to 1.1.0 --steps 10,50,100 --interval 2s --probe-payload '{"ping":1}' --max-error-rate 1 --max-p95-ms 500 --latency-margin-ms 500 --no-analysis`,
    )
    expectSample('rollouts/rollout', t.text())
    t.reset()
    await t.run(`lattice rollout status ${A}`)
    expectSample('rollouts/status', t.text())
    t.reset()
    await t.run(
      `lattice rollout actor ${A} --from 1.1.0 --to 1.2.0 --steps 10,100 --interval 2s --probe-payload '{"ping":1}' --no-analysis`,
      { code: 10, showExit: true },
    )
    expectSample('rollouts/probe-failed', t.text())
  }, 120_000)

  it('watch, verify a split and one version, a timed fault', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --from 1.1.0 --to 1.0.0 --weight 30`, { hidden: true })
    await t.run('lattice watch --count 1 --interval 2s')
    expectSample('rollouts/watch', t.text())
    t.reset()
    await t.run(`lattice verify actor ${A} --window 3s`)
    expectSample('rollouts/verify', t.text())
    t.reset()
    await t.run(`lattice verify actor ${C} --window 3s`)
    expectSample('rollouts/verify-one', t.text())
    t.reset()
    await t.run(`lattice fault actor ${A} --drop 20 --for 2s`)
    expectSample('rollouts/fault', t.text())
  }, 120_000)
})
