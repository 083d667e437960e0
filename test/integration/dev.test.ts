/** `lattice dev up|status|env|down`: a real local nats-server in the background, and nothing left running after. */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { connect, credsAuthenticator } from 'nats'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'

const home = mkdtempSync(join(tmpdir(), 'lattice-dev-'))
const dirs = [
  join(home, '.lattice'),
  join(home, 'a', '.lattice'),
  join(home, 'b', '.lattice'),
  join(home, 'crash'),
  join(home, 'reboot'),
]
const dir = join(home, '.lattice')
const base = { XDG_CONFIG_HOME: join(home, 'config'), LATTICE_NATS_SERVER: process.env.LATTICE_NATS_SERVER }
const signalable = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
/** Running: a zombie (killed, not reaped yet) is not. */
const alive = (pid: number) => {
  try {
    return signalable(pid) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false // gone between the two checks
  }
}

afterAll(async () => {
  for (const d of dirs) await lattice(['dev', 'down', '--dir', d], base)
  rmSync(home, { recursive: true, force: true })
})

describe('lattice dev', () => {
  it('up starts a local lattice every command works against, with a nats context; down leaves nothing running', async () => {
    const up = await lattice(['dev', 'up', '--dir', dir, '--json'], base)
    expect(up.code, up.stderr).toBe(0)
    const upText = await lattice(['dev', 'up', '--dir', dir], base)
    const state = json<{ pid: number; url: string; context: string; started: boolean; env: Record<string, string> }>(up)
    expect(state.started).toBe(true)
    expect(alive(state.pid)).toBe(true)
    expect(upText.stdout).toMatch(/Already running/)
    for (const f of ['operator.nk', 'sys.creds', 'app.creds']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600)

    const env = await lattice(['dev', 'env', '--dir', dir], base)
    const exports = Object.fromEntries([...env.stdout.matchAll(/^export (\w+)="(.*)"$/gm)].map((m) => [m[1], m[2]]))
    expect(Object.keys(exports).sort()).toEqual([
      'HOST_CREDS',
      'LATTICE_ACCOUNT',
      'LATTICE_APP_CREDS',
      'LATTICE_OPERATOR_JWT',
      'LATTICE_SIGNING_KEY',
      'LATTICE_STATE_CREDS',
      'NATS_CREDS',
      'NATS_URL',
    ])
    expect(env.stdout).not.toMatch(/SO[A-Z2-7]{50,}/) // no seed printed
    const shift = await lattice(['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force'], {
      ...base,
      ...exports,
    })
    expect(shift.code, shift.stderr).toBe(0)
    expect(shift.stdout).toMatch(/Recorded as revision 1\./)

    // The nats CLI context works with nats.js.
    const context = JSON.parse(readFileSync(state.context, 'utf8')) as { url: string; creds: string }
    const nc = await connect({ servers: context.url, authenticator: credsAuthenticator(readFileSync(context.creds)) })
    await nc.close()

    // nats contexts: named with --context, or the selected one; flags and NATS_URL/NATS_CREDS win.
    const account = { ...base, LATTICE_ACCOUNT: exports.LATTICE_ACCOUNT }
    const name = basename(state.context, '.json')
    expect(name).toMatch(/^lattice-dev-lattice-dev-[\w-]+-[0-9a-f]{6}$/) // after the folder holding .lattice
    expect(upText.stdout).toContain(`nats CLI context "${name}"`)
    const named = await lattice(['status', '--context', name, '--json'], account)
    expect(named.code, named.stderr).toBe(0)
    writeFileSync(join(base.XDG_CONFIG_HOME, 'nats', 'context.txt'), `${name}\n`)
    expect((await lattice(['status'], account)).code).toBe(0)
    const wrong = await lattice(['status', '--context', 'nope'], account)
    expect(wrong.code).toBe(ExitCode.CREDENTIALS)
    expect(wrong.stderr).toMatch(/CONTEXT_NOT_FOUND.*"nope"/)
    const flagWins = await lattice(['status', '--server', 'nats://127.0.0.1:1'], account)
    expect(flagWins.code).toBe(ExitCode.CONNECTION)

    expect((await lattice(['dev', 'status', '--dir', dir], base)).stdout).toMatch(
      /Running: nats-server at nats:\/\/127\.0\.0\.1:\d+/,
    )
    const down = await lattice(['dev', 'down', '--dir', dir], base)
    expect(down.stdout).toMatch(/Stopped/)
    expect(alive(state.pid)).toBe(false)
    const stopped = await lattice(['dev', 'status', '--dir', dir], base)
    expect(stopped.code).toBe(ExitCode.LIVE_STATE)
    expect(stopped.stderr).toMatch(/NOT_RUNNING.*it was stopped with `lattice dev down`/)
    const never = await lattice(['dev', 'status', '--dir', join(home, 'never')], base)
    expect(never.code).toBe(ExitCode.LIVE_STATE)
    expect(never.stderr).toMatch(/NOT_RUNNING.*No local lattice in/)
    const noEnv = await lattice(['dev', 'env', '--dir', dir], base)
    expect(noEnv.code).toBe(ExitCode.LIVE_STATE)
    expect(() => statSync(state.context)).toThrow()
  })

  it('demo: a canary on real traffic whose observed split follows the weights, and nothing left running', async () => {
    const r = await lattice(['demo', '--duration', '3s', '--json'], base)
    expect(r.code, r.stderr).toBe(0)
    const demo = json<{
      url: string
      dir: string
      steps: { weight: number; observed: { v2: number }; calls: number }[]
    }>(r)
    expect(demo.steps.map((s) => s.weight)).toEqual([10, 50, 100])
    for (const s of demo.steps) {
      expect(s.calls).toBeGreaterThan(100)
      expect(Math.abs(s.observed.v2 - s.weight), JSON.stringify(s)).toBeLessThanOrEqual(s.weight === 100 ? 0 : 8)
    }
    await expect(connect({ servers: demo.url, timeout: 1000, reconnect: false })).rejects.toThrow()
    expect(() => statSync(demo.dir)).toThrow()
  }, 60_000)

  it('demo as text: while `lattice` is not a command, it ends with the PATH line, which makes it one; once it is, not', async () => {
    const server =
      process.env.LATTICE_NATS_SERVER ??
      execFileSync('/bin/sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim()
    const nodeOnly = mkdtempSync(join(home, 'node-only-'))
    symlinkSync(process.execPath, join(nodeOnly, 'node'))
    const PATH = `${nodeOnly}:/usr/bin:/bin` // node, and no lattice
    const r = await lattice(['demo', '--duration', '2s'], { ...base, LATTICE_NATS_SERVER: server, PATH })
    expect(r.code, r.stderr).toBe(0)
    const last = r.stdout.trim().split('\n').at(-1) ?? ''
    const m =
      /^To run lattice as `lattice` in this shell: (export PATH="(.+):\$PATH") \(or add that line to your shell's profile\)\.$/.exec(
        last,
      )
    expect(m, last).not.toBeNull()
    const [, line, bin] = m as RegExpExecArray
    const shell = spawnSync('/bin/sh', ['-c', `${line} && cd / && lattice --version`], {
      env: { PATH },
      encoding: 'utf8',
    })
    expect(shell.status, shell.stderr).toBe(0)
    expect(shell.stdout).toMatch(/^lattice-shift\/\d/)
    const again = await lattice(['demo', '--duration', '2s'], {
      ...base,
      LATTICE_NATS_SERVER: server,
      PATH: `${bin}:${PATH}`,
    })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/stopped the local server and hosts\.\n$/)
    expect(again.stdout).not.toContain('export PATH')
  }, 90_000)

  it('two folders get a nats context each; dev down removes only its own', async () => {
    const [a, b] = [dirs[1], dirs[2]]
    const upA = json<{ context: string; url: string }>(await lattice(['dev', 'up', '--dir', a, '--json'], base))
    const upB = json<{ context: string; url: string }>(await lattice(['dev', 'up', '--dir', b, '--json'], base))
    expect(basename(upA.context)).toMatch(/^lattice-dev-a-[0-9a-f]{6}\.json$/)
    expect(basename(upB.context)).toMatch(/^lattice-dev-b-[0-9a-f]{6}\.json$/)
    expect((JSON.parse(readFileSync(upA.context, 'utf8')) as { url: string }).url).toBe(upA.url)
    expect((await lattice(['dev', 'down', '--dir', b], base)).code).toBe(0)
    expect(() => statSync(upB.context)).toThrow()
    expect((JSON.parse(readFileSync(upA.context, 'utf8')) as { url: string }).url).toBe(upA.url)
    expect(
      (
        await lattice(['status', '--context', basename(upA.context, '.json'), '--json'], {
          ...base,
          LATTICE_ACCOUNT: json<{ account: string }>(await lattice(['dev', 'up', '--dir', a, '--json'], base)).account,
        })
      ).code,
    ).toBe(0)
  })

  it('up after the server died restarts it with its keys, port and history (connected clients come back); --fresh makes new keys', async () => {
    const d = dirs[3]
    type Up = {
      pid: number
      url: string
      account: string
      started: boolean
      restarted: boolean
      env: Record<string, string>
    }
    const first = json<Up>(await lattice(['dev', 'up', '--dir', d, '--json'], base))
    expect(first.restarted).toBe(false)
    const env = { ...base, ...first.env }
    expect(
      (await lattice(['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force'], env)).code,
    ).toBe(0)
    let runningPid = 0
    const client = await connect({
      servers: first.url,
      authenticator: credsAuthenticator(readFileSync(first.env.LATTICE_APP_CREDS)),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    })
    try {
      process.kill(first.pid, 'SIGKILL')
      while (alive(first.pid)) await new Promise((r) => setTimeout(r, 20))
      const dead = await lattice(['dev', 'status', '--dir', d], base)
      expect(dead.code).toBe(ExitCode.LIVE_STATE)
      expect(dead.stderr).toMatch(new RegExp(`NOT_RUNNING.*pid ${first.pid}\\) is not running any more`))

      const again = await lattice(['dev', 'up', '--dir', d], base)
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toMatch(/Restarted \(same keys, history and data\) nats-server at /)
      const second = json<Up>(await lattice(['dev', 'up', '--dir', d, '--json'], base))
      expect(second).toMatchObject({ url: first.url, account: first.account, started: false })
      runningPid = second.pid
      await client.flush() // the client reconnected to the same URL
      const history = json<{ revisions: { revision: number }[] }>(await lattice(['history', '--json'], env))
      expect(history.revisions.map((r) => r.revision)).toContain(1)
    } finally {
      await client.close()
    }

    const fresh = json<Up>(await lattice(['dev', 'up', '--dir', d, '--fresh', '--json'], base))
    expect(fresh).toMatchObject({ started: true, restarted: false })
    expect(fresh.account).not.toBe(first.account)
    expect(alive(runningPid)).toBe(false) // --fresh stopped the running server first
    expect(alive(fresh.pid)).toBe(true)
  })

  it('a pid that is now a zombie nobody reaps (a container without init) or another program (after a reboot) is not running; down leaves that program alone', async () => {
    const d = dirs[4]
    const first = json<{ pid: number; url: string; account: string }>(
      await lattice(['dev', 'up', '--dir', d, '--json'], base),
    )
    expect((await lattice(['dev', 'down', '--dir', d], base)).code).toBe(0)
    // `sleep` that never reaps its child: the child, killed, stays a zombie while the parent lives.
    const parent = spawn('/bin/sh', ['-c', 'sleep 300 & echo $!; exec sleep 301'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    try {
      const zombie = Number(
        await new Promise<string>((r) => parent.stdout.once('data', (b: Buffer) => r(b.toString()))),
      )
      // Kill it only once the shell has become `sleep 301`: a shell not yet exec'd reaps it (a loaded machine).
      const procFile = (pid: number, f: string) => readFileSync(`/proc/${pid}/${f}`, 'utf8') // poll retries a throw
      await expect
        .poll(() => procFile(parent.pid as number, 'cmdline').replace(/\0/g, ' '), { timeout: 10_000 })
        .toMatch(/sleep 301/)
      process.kill(zombie, 'SIGKILL')
      await expect.poll(() => /^\d+ \(.*\) (\S)/.exec(procFile(zombie, 'stat'))?.[1], { timeout: 10_000 }).toBe('Z')
      const stateOf = (pid: number) => {
        const state = JSON.parse(readFileSync(join(d, 'dev.json'), 'utf8')) as Record<string, unknown>
        writeFileSync(join(d, 'dev.json'), JSON.stringify({ ...state, pid }))
      }
      for (const pid of [zombie, parent.pid as number]) {
        stateOf(pid)
        expect(signalable(pid)).toBe(true) // signal 0 reaches it: a check by signal alone took it for the server
        const status = await lattice(['dev', 'status', '--dir', d], base)
        expect(status.code, `${pid}: ${status.stdout}`).toBe(ExitCode.LIVE_STATE)
        expect(status.stderr).toMatch(new RegExp(`NOT_RUNNING.*pid ${pid}\\) is not running any more`))
        const up = await lattice(['dev', 'up', '--dir', d, '--json'], base)
        expect(json<{ restarted: boolean; url: string; account: string }>(up)).toMatchObject({
          restarted: true,
          url: first.url,
          account: first.account,
        })
        expect((await lattice(['dev', 'down', '--dir', d], base)).code).toBe(0)
        stateOf(pid)
        expect((await lattice(['dev', 'down', '--dir', d], base)).code).toBe(0)
        expect(alive(parent.pid as number)).toBe(true) // not lattice's to stop
      }
    } finally {
      parent.kill('SIGKILL')
    }
  })

  it('refuses to make new keys silently where a local lattice lacks some of its files', async () => {
    const d = join(home, 'broken')
    mkdirSync(d)
    writeFileSync(join(d, 'server.conf'), 'listen: "127.0.0.1:-1"\n')
    const r = await lattice(['dev', 'up', '--dir', d], base)
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toMatch(/DEV_INCOMPLETE.*lacks operator\.jwt, operator\.nk, sys\.creds, app\.creds.*--fresh/s)
  })

  it('says how to install nats-server when it is missing', async () => {
    const r = await lattice(['dev', 'up', '--dir', join(home, 'other')], {
      ...base,
      LATTICE_NATS_SERVER: join(home, 'no-such-binary'),
    })
    expect(r.code).toBe(ExitCode.CONNECTION)
    expect(r.stderr).toMatch(/NATS_SERVER_MISSING.*apt-get install -y nats-server/s)
  })
})
