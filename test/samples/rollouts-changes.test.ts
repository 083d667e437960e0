/**
 * docs/rollouts.md's "Changes during and after a rollout": a shift refused while a rollout runs,
 * rollback going ahead with a warning, a rollout starting below the live weight, and a spec older
 * than a completed rollout (plan's warning, apply's LIVE_NEWER); and `lattice dev traffic`.
 */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { background } from '../helpers/cli.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const [R, B, S, T] = [fixedActor(8), fixedActor(9), fixedActor(10), fixedActor(11)]

describe('changes during and after a rollout', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
    await s.run([R, B, S, T].map((actor) => ({ actor, versions: ['v1', 'v2'] })))
  }, 120_000)
  afterAll(() => s?.stop())

  it('a shift during a rollout is refused; rollback goes ahead with a warning', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${R} --to v1 --weight 100`, { hidden: true })
    // The rollout runs in another shell, waiting after its first step.
    const runner = background(
      [
        'rollout',
        'actor',
        R,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '10,50,100',
        '--interval',
        '60s',
        '--no-analysis',
      ],
      s.env(),
    )
    await runner.waitFor(/set weight 10%/, 30_000)
    await t.run(`lattice shift actor ${R} --to v2 --weight 50`, { code: 8 })
    expectSample('rollouts/during', t.text())
    t.reset()
    await t.run('lattice rollback')
    expectSample('rollouts/rollback-during', t.text())
    await t.run(`lattice rollout abort ${R}`, { hidden: true })
    await runner.done
  }, 120_000)

  it('a rollout whose first step is below the live weight is refused', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${B} --to v1 --weight 100`, { hidden: true })
    await t.run(`lattice shift actor ${B} --to v2 --weight 30`)
    t.gap()
    await t.run(`lattice rollout actor ${B} --from v1 --to v2 --steps 10,50,100 --interval 30s`, { code: 3 })
    expectSample('rollouts/below-live', t.text())
  }, 60_000)

  it('after a completed rollout, plan warns and apply refuses a spec that would undo it', async () => {
    const t = s.transcript()
    s.write(
      'lattice.yaml',
      `environments:\n  blue:\n    actors: { ${S}: v1 }\n  green:\n    actors: { ${S}: v2 }\nlive: blue\n`,
    )
    await t.run('lattice apply', { hidden: true })
    await t.run(`lattice rollout actor ${S} --from v1 --to v2 --steps 50,100 --interval 1s --no-analysis`)
    t.gap()
    await t.run('lattice plan')
    t.gap()
    await t.run('lattice apply', { code: 8 })
    expectSample('rollouts/live-newer', t.text())
  }, 60_000)

  it('lattice dev traffic counts the calls per version', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${T} --from v1 --to v2 --weight 30`, { hidden: true })
    await t.run(`lattice dev traffic actor ${T} --rate 100 --duration 12s`)
    expectSample('rollouts/dev-traffic', t.text())
  }, 60_000)
})
