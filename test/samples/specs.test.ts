/** docs/specs.md's samples: plan, apply, swap, rollback keeping `live:` true, env subjects, a bad file. */
import { afterAll, beforeAll, describe, it } from 'vitest'
import { newActorId } from '../helpers/ids.js'
import { expectSample } from './sample.js'
import { type Scene, docBlock, startScene } from './scene.js'

const DOC = 'docs/specs.md'

describe('swap and rollback keep live: true', () => {
  let s: Scene
  const [a, b] = [newActorId(), newActorId()]
  beforeAll(async () => {
    s = await startScene()
    await s.run([a, b].map((actor) => ({ actor, versions: ['1.0.0', '1.1.0'] })))
    s.write(
      'lattice.yaml',
      `lattice: default\nenvironments:\n  blue:\n    actors: { ${a}: "1.0.0", ${b}: "1.0.0" }\n  green:\n    actors: { ${a}: "1.1.0", ${b}: "1.1.0" }\nlive: blue\n`,
    )
  })
  afterAll(() => s?.stop())

  it('swap, rollback, plan, a swap to itself; then a rollback told not to write', async () => {
    const t = s.transcript()
    await t.run('lattice apply', { hidden: true })
    await t.run('lattice swap blue green')
    await t.run('lattice rollback')
    await t.run('lattice plan')
    await t.run('lattice swap blue blue', { code: 3 })
    expectSample('specs/swap-rollback', t.text())

    await t.run('lattice swap blue green', { hidden: true })
    const r = await t.run('lattice rollback --no-write', { hidden: true })
    expectSample(
      'specs/rollback-no-write',
      r.stderr
        .split('\n')
        .filter((x) => x.startsWith('Warning:'))
        .join('\n'),
    )
  })
})

describe('the spec of the doc: plan, apply, swap, env subjects, bad input', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
    // The doc's own spec and bad file, with this lattice's account.
    const spec = docBlock(DOC, 'yaml', 0)
    s.write('lattice.yaml', spec.replace(/^account: .*$/m, `account: ${s.l.appAccount}`))
    s.write('bad.yaml', docBlock(DOC, 'yaml', 3))
    const actors = (v: Record<string, string[]>) => Object.entries(v).map(([actor, versions]) => ({ actor, versions }))
    await s.run([
      ...actors({
        MAAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCLWY: ['1.0.0', '1.1.0'],
        MABAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAF367: ['1.0.0', '1.0.1'],
        MACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAI3OQ: ['1.0.0', '2.0.0'],
        MADAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAME6V: ['1.0.0'],
      }),
      {
        provider: 'VABQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGAYDAMBQGN2W',
        link: 'default',
        versions: ['0.3.0', '0.4.0'],
      },
      {
        provider: 'VACQKBIFAUCQKBIFAUCQKBIFAUCQKBIFAUCQKBIFAUCQKBIFAUCQLNKZ',
        link: 'default',
        versions: ['0.3.0', '0.4.0'],
      },
    ])
  })
  afterAll(() => s?.stop())

  it('plan, apply twice, swap twice, env subjects, apply a bad file', async () => {
    const t = s.transcript()
    await t.run('lattice plan')
    await t.run('lattice apply')
    await t.run('lattice apply')
    await t.run('lattice swap blue green')
    await t.run('lattice swap blue green', { code: 8 })
    await t.run('lattice env subjects blue')
    await t.run('lattice apply -f bad.yaml', { code: 3 })
    expectSample('specs/plan-apply', t.text())
  })
})
