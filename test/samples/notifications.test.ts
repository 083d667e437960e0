/** docs/notifications.md's sample: examples/notify/ci-wait.mjs waiting for a rollout that is rolled back. */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../helpers/nats-server.js'
import { ROOT } from './doc-blocks.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const A = fixedActor(10)

describe('notifications', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene()
    await s.run([{ actor: A, versions: ['v1', 'v2'] }])
    await s.transcript().run(`lattice shift actor ${A} --to v1 --weight 100`, { hidden: true })
  }, 120_000)
  afterAll(() => s?.stop())

  it('ci-wait.mjs writes each event and exits 1 when the rollout is rolled back', async () => {
    const port = await freePort()
    const env = { ...process.env, ENTITY: A, STATUS_FILE: 'rollout-status.json', PORT: String(port) }
    const waiter = spawn(process.execPath, [join(ROOT, 'examples/notify/ci-wait.mjs')], { cwd: s.dir, env })
    let out = ''
    waiter.stdout.on('data', (d) => (out += d.toString()))
    waiter.stderr.on('data', (d) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => waiter.once('exit', resolve))
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/waiting for/)
    const t = s.transcript()
    await t.run(
      `lattice rollout actor ${A} --from v1 --to v2 --steps 20,100 --interval 1s --gate-cmd 'echo p99 too high; exit 1' --notify http://127.0.0.1:${port}/ --no-analysis`,
      { hidden: true, code: 10 },
    )
    const code = await exited
    expect(code).toBe(1)
    const status = readFileSync(join(s.dir, 'rollout-status.json'), 'utf8').replace(/\n+$/, '')
    // The port in the command line as the doc shows it (the test listens on a free one).
    const text = [
      `$ ENTITY=${A} STATUS_FILE=rollout-status.json PORT=8788 node examples/notify/ci-wait.mjs`,
      out.split(`:${port}/`).join(':8788/').replace(/\n+$/, ''),
      '$ echo $?; cat rollout-status.json',
      String(code),
    ]
    expectSample('notifications/ci-wait', text.join('\n'))
    expectSample('notifications/ci-wait-status', status)
  }, 60_000)
})
