/** `lattice dev up|status|env|down`: a real local nats-server in the background, and nothing left running after. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, credsAuthenticator } from 'nats'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'

const home = mkdtempSync(join(tmpdir(), 'lattice-dev-'))
const dir = join(home, '.lattice')
const base = { XDG_CONFIG_HOME: join(home, 'config'), LATTICE_NATS_SERVER: process.env.LATTICE_NATS_SERVER }
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(async () => {
  await lattice(['dev', 'down', '--dir', dir], base)
  rmSync(home, { recursive: true, force: true })
})

describe('lattice dev', () => {
  it('up starts a local lattice every command works against, with a nats context; down leaves nothing running', async () => {
    const up = await lattice(['dev', 'up', '--dir', dir, '--json'], base)
    expect(up.code, up.stderr).toBe(0)
    const state = json<{ pid: number; url: string; context: string; started: boolean; env: Record<string, string> }>(up)
    expect(state.started).toBe(true)
    expect(alive(state.pid)).toBe(true)
    expect((await lattice(['dev', 'up', '--dir', dir], base)).stdout).toMatch(/Already running/)
    for (const f of ['operator.nk', 'sys.creds', 'app.creds']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600)

    const env = await lattice(['dev', 'env', '--dir', dir], base)
    const exports = Object.fromEntries([...env.stdout.matchAll(/^export (\w+)="(.*)"$/gm)].map((m) => [m[1], m[2]]))
    expect(Object.keys(exports).sort()).toEqual(['LATTICE_ACCOUNT', 'LATTICE_APP_CREDS', 'LATTICE_SIGNING_KEY', 'LATTICE_STATE_CREDS', 'NATS_CREDS', 'NATS_URL'])
    expect(env.stdout).not.toMatch(/SO[A-Z2-7]{50,}/) // no seed printed
    const shift = await lattice(['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force'], { ...base, ...exports })
    expect(shift.code, shift.stderr).toBe(0)
    expect(shift.stdout).toMatch(/Recorded as revision 1\./)

    // The nats CLI context works with nats.js.
    const context = JSON.parse(readFileSync(state.context, 'utf8')) as { url: string; creds: string }
    const nc = await connect({ servers: context.url, authenticator: credsAuthenticator(readFileSync(context.creds)) })
    await nc.close()

    // nats contexts: named with --context, or the selected one; flags and NATS_URL/NATS_CREDS win.
    const account = { ...base, LATTICE_ACCOUNT: exports.LATTICE_ACCOUNT }
    const named = await lattice(['status', '--context', 'lattice-dev', '--json'], account)
    expect(named.code, named.stderr).toBe(0)
    writeFileSync(join(base.XDG_CONFIG_HOME, 'nats', 'context.txt'), 'lattice-dev\n')
    expect((await lattice(['status'], account)).code).toBe(0)
    const wrong = await lattice(['status', '--context', 'nope'], account)
    expect(wrong.code).toBe(ExitCode.CREDENTIALS)
    expect(wrong.stderr).toMatch(/CONTEXT_NOT_FOUND.*"nope"/)
    const flagWins = await lattice(['status', '--server', 'nats://127.0.0.1:1'], account)
    expect(flagWins.code).toBe(ExitCode.CONNECTION)

    expect((await lattice(['dev', 'status', '--dir', dir], base)).stdout).toMatch(/Running: nats-server at nats:\/\/127\.0\.0\.1:\d+/)
    const down = await lattice(['dev', 'down', '--dir', dir], base)
    expect(down.stdout).toMatch(/Stopped/)
    expect(alive(state.pid)).toBe(false)
    expect((await lattice(['dev', 'status', '--dir', dir], base)).stdout).toMatch(/Not running/)
    const noEnv = await lattice(['dev', 'env', '--dir', dir], base)
    expect(noEnv.code).toBe(ExitCode.LIVE_STATE)
    expect(() => statSync(state.context)).toThrow()
  })

  it('demo: a canary on real traffic whose observed split follows the weights, and nothing left running', async () => {
    const r = await lattice(['demo', '--duration', '3s', '--json'], base)
    expect(r.code, r.stderr).toBe(0)
    const demo = json<{ url: string; dir: string; steps: { weight: number; observed: { v2: number }; calls: number }[] }>(r)
    expect(demo.steps.map((s) => s.weight)).toEqual([10, 50, 100])
    for (const s of demo.steps) {
      expect(s.calls).toBeGreaterThan(100)
      expect(Math.abs(s.observed.v2 - s.weight), JSON.stringify(s)).toBeLessThanOrEqual(s.weight === 100 ? 0 : 8)
    }
    await expect(connect({ servers: demo.url, timeout: 1000, reconnect: false })).rejects.toThrow()
    expect(() => statSync(demo.dir)).toThrow()
  }, 60_000)

  it('says how to install nats-server when it is missing', async () => {
    const r = await lattice(['dev', 'up', '--dir', join(home, 'other')], { ...base, LATTICE_NATS_SERVER: join(home, 'no-such-binary') })
    expect(r.code).toBe(ExitCode.CONNECTION)
    expect(r.stderr).toMatch(/NATS_SERVER_MISSING.*apt-get install -y nats-server/s)
  })
})
