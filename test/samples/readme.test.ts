/** README.md's samples: the quick start's demo, the test summary's skipped line, a local lattice's life, a shift on three servers, usage errors. */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Host } from '../../src/host-core/index.js'
import { json } from '../helpers/cli.js'
import { skipIf } from '../helpers/skips.js'
import { newActorId } from '../helpers/ids.js'
import { appConnection } from '../helpers/traffic.js'
import { ROOT } from './doc-blocks.js'
import { Transcript, expectSample } from './sample.js'
import { startScene } from './scene.js'

/** The path and version of the nats-server on PATH (Debian 12's is 2.9.10), whatever server is under test. */
function pathServer(): { path: string; version: string } | undefined {
  const path = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).stdout.trim()
  return path
    ? { path, version: /v?(\d+\.\d+\.\d+)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8' }))?.[1] ?? '' }
    : undefined
}
const old = pathServer()
const tooNew =
  !old || !/^2\.9\.(\d|1\d|2[01])$/.test(old.version) ? 'the nats-server on PATH is not older than 2.9.22' : undefined

describe('README', () => {
  it('the summary of a test run says why tests were skipped', { ...skipIf(tooNew), timeout: 60_000 }, () => {
    // A real vitest run with npm test's summary reporter, on the server of PATH: the doc samples that need a newer one are skipped.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|LATTICE_)/.test(k)))
    const args = [
      'run',
      'test/samples/wasmcloud.test.ts',
      'test/samples/topologies.test.ts',
      '--reporter=./test/support/summary-reporter.ts',
    ]
    const r = spawnSync(join(ROOT, 'node_modules/.bin/vitest'), args, {
      cwd: ROOT,
      env: { ...env, LATTICE_NATS_SERVER: old?.path },
      encoding: 'utf8',
    })
    expect(r.status, r.stderr).toBe(0)
    expectSample('readme/skipped', `$ npx vitest ${args.join(' ')}\n${r.stdout.trim()}`)
  })

  it('the quick start: npm run quickstart builds lattice and runs lattice demo', async () => {
    // The clone's path, in the PATH hint the demo prints, as a reader's clone would be.
    const t = new Transcript(() => ({}), undefined, [[ROOT.replace(/\/$/, ''), '/home/me/lattice']])
    await t.run('lattice demo', { shown: 'npm run quickstart' })
    expectSample('readme/quickstart', t.text())
  }, 120_000)

  describe('a local lattice', () => {
    const parent = mkdtempSync(join(tmpdir(), 'lattice-sample-'))
    const home = join(parent, 'devdemo')
    mkdirSync(home)
    const base = { XDG_CONFIG_HOME: join(home, 'config') }
    afterAll(async () => {
      await new Transcript(() => base, home).run('lattice dev down', { hidden: true })
      rmSync(parent, { recursive: true, force: true })
    })

    it('dev up, env, status, a killed server, dev up again, dev down', async () => {
      const t = new Transcript(() => base, home, [[home, '/tmp/devdemo']])
      await t.run('lattice dev up')
      t.gap()
      const env = await t.run('lattice dev env', { hidden: true })
      const exports = Object.fromEntries([...env.stdout.matchAll(/^export (\w+)="(.*)"$/gm)].map((m) => [m[1], m[2]]))
      t.export(exports)
      t.note('$ eval "$(lattice dev env)"')
      await t.run('lattice status')
      t.gap()
      const actor = newActorId()
      const conns = await Promise.all([0, 1].map(() => appConnection(exports.NATS_URL, exports.LATTICE_APP_CREDS)))
      const hosts = await Promise.all(conns.map((nc, i) => Host.start({ nc, lattice: 'default', hostId: `host-${i}` })))
      try {
        await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
        await hosts[1].startActor({ id: actor, version: 'v2', handler: () => 'v2' })
        await t.run('lattice status', { comment: 'two hosts started, running v1 (2 instances) and v2 of an actor' })
        t.gap()
        const { pid } = json<{ pid: number }>(await t.run('lattice dev status --json', { hidden: true }))
        process.kill(pid, 'SIGKILL')
        await expect
          .poll(async () => (await t.run('lattice dev status --json', { hidden: true, code: 'any' })).code, {
            timeout: 10_000,
          })
          .toBe(8)
        await t.run('lattice dev status', { comment: 'after its nats-server was killed', code: 8 })
        t.gap()
        await t.run('lattice dev up')
        t.gap()
      } finally {
        await Promise.all(hosts.map((h) => h.close()))
        await Promise.all(conns.map((c) => c.close()))
      }
      await t.run('lattice dev down')
      expectSample('readme/dev', t.text())
    }, 120_000)
  })

  it('a shift on three servers', async () => {
    const s = await startScene({ nodes: 3 })
    try {
      const actor = newActorId()
      await s.run([{ actor, versions: ['v1', 'v2'] }])
      const t = s.transcript()
      await t.run(`lattice shift actor ${actor} --from v1 --to v2 --weight 30`)
      expectSample('readme/shift', t.text())
    } finally {
      await s.stop()
    }
  }, 240_000)

  it('a mistyped command and a missing flag', async () => {
    const t = new Transcript(() => ({}))
    await t.run('lattice shfit actor MADQ...', { code: 2 })
    await t.run('lattice shift actor MADQ... --to v2', { code: 2 })
    expectSample('readme/usage', t.text())
  })
})
