/**
 * Deadlines and retries against a real nats-server: a paused server (SIGSTOP) or one that goes
 * silent after the handshake makes commands exit 5 with DEADLINE, naming the step, and exit
 * promptly; a handshake the server cut short is retried; a refusal is not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { Deadline } from '../../src/deadline.js'
import { ExitCode } from '../../src/errors.js'
import { openConnection } from '../../src/resolver/connection.js'
import { type CliResult, background, json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { type TestLattice, startLattice } from '../helpers/nats-server.js'
import { type Behaviour, startProxy } from '../helpers/proxy.js'

let l: TestLattice

beforeAll(async () => {
  l = await startLattice()
})
afterAll(async () => {
  await l?.stop()
})

/** Run the CLI; kill it if it outlives `boundMs` (then `hung` is true). */
async function run(
  args: string[],
  env: Record<string, string | undefined>,
  boundMs: number,
): Promise<CliResult & { hung: boolean }> {
  const child = background(args, env)
  let hung = false
  const timer = setTimeout(() => ((hung = true), child.proc.kill('SIGKILL')), boundMs)
  const result = await child.done
  clearTimeout(timer)
  return { ...result, hung }
}

const shiftArgs = () => ['shift', 'actor', newActorId(), '--force', '--from', 'v1', '--to', 'v2', '--weight', '10']

describe('a server that stops answering', () => {
  it('paused (SIGSTOP): status and shift exit 5 with DEADLINE, saying they were connecting', async () => {
    const pid = l.nodes[0].proc!.pid!
    process.kill(pid, 'SIGSTOP')
    try {
      // 3 s deadline; the outer bound is generous for a loaded machine but far below "forever".
      const [status, shift] = await Promise.all([
        run(['status', '--timeout', '3s'], l.env(), 30_000),
        run([...shiftArgs(), '--timeout', '3s'], l.env(), 30_000),
      ])
      for (const r of [status, shift]) {
        expect(r.hung, r.stderr).toBe(false)
        expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
        expect(r.stderr).toMatch(
          /Error \[DEADLINE\]: Gave up after 3s \(--timeout\) while connecting to NATS at nats:\/\/127\.0\.0\.1:\d+/,
        )
      }
      const j = await run(['status', '--timeout', '2s', '--json'], l.env(), 30_000)
      expect(j.hung).toBe(false)
      expect(json<{ error: { code: string; details: { step: string } } }>(j).error).toMatchObject({
        code: 'DEADLINE',
        details: { step: expect.stringMatching(/^connecting to NATS/) },
      })
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    // The server is fine again, and so is lattice.
    expect((await lattice(['status'], l.env())).code).toBe(0)
  })

  it('LATTICE_TIMEOUT sets the deadline too; a bad one is refused', async () => {
    const pid = l.nodes[0].proc!.pid!
    process.kill(pid, 'SIGSTOP')
    try {
      const r = await run(['status'], { ...l.env(), LATTICE_TIMEOUT: '1500ms' }, 30_000)
      expect(r.hung).toBe(false)
      expect(r.stderr).toMatch(/DEADLINE.*Gave up after 1\.5s/)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    const bad = await lattice(['status', '--timeout', 'soon'], l.env())
    expect(bad.code).toBe(ExitCode.INVALID_INPUT)
    expect(bad.stderr).toMatch(/INVALID_DURATION.*--timeout "soon"/)
  })

  it('silent after the handshake: DEADLINE names the step that waited', async () => {
    const proxy = await startProxy(l.url, () => 'silent-after-handshake')
    try {
      const r = await run(['status', '--timeout', '1s'], { ...l.env(), NATS_URL: proxy.url }, 30_000)
      expect(r.hung).toBe(false)
      expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
      expect(r.stderr).toMatch(/DEADLINE.*while reading the servers' facts and the live account JWT: no answer came\./)
      // The connection stayed up: the hint is about a server that does not answer (a lost one says so instead: network-faults.test).
      expect(r.stderr).toMatch(/The connection stayed up but no answer came/)
    } finally {
      await proxy.close()
    }
  })

  it('a failed connect leaves no socket open (nats.js would keep the process alive)', async () => {
    const pid = l.nodes[0].proc!.pid!
    process.kill(pid, 'SIGSTOP')
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
    try {
      const e = await openConnection({
        servers: l.url,
        creds: readCreds(l.sysCredsFile),
        deadline: new Deadline(1000),
      }).catch((err) => err)
      expect(e.code).toBe('DEADLINE')
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    // A destroyed socket's handle goes on the next turns of the event loop.
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
    for (let i = 0; i < 50 && sockets() > before; i++) await new Promise((r) => setTimeout(r, 20))
    expect(sockets()).toBe(before)
  })
})

describe('retries', () => {
  async function through(
    behaviour: (n: number) => Behaviour,
    args: string[],
    env: Record<string, string | undefined> = l.env(),
  ) {
    const proxy = await startProxy(l.url, behaviour)
    try {
      const r = await run(args, { ...env, NATS_URL: proxy.url }, 60_000)
      return { ...r, connections: proxy.connections }
    } finally {
      await proxy.close()
    }
  }

  it('a handshake the server cut short (Authentication Timeout) is retried, and the command succeeds', async () => {
    const r = await through((n) => (n <= 2 ? 'auth-timeout' : 'forward'), shiftArgs())
    expect(r.code, r.stderr).toBe(0)
    expect(r.connections).toBe(3)
  })

  it('a reset connection is retried', async () => {
    const r = await through((n) => (n === 1 ? 'reset' : 'forward'), ['status'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.connections).toBe(2)
  })

  it('refused credentials are not retried', async () => {
    const r = await through(() => 'forward', ['status'], { ...l.env(), NATS_CREDS: undefined })
    expect(r.code).toBe(ExitCode.CREDENTIALS)
    expect(r.stderr).toMatch(/AUTHORIZATION/)
    expect(r.connections).toBe(1)
  })

  it('retries stop at the deadline, with the last failure', async () => {
    const r = await through(() => 'auth-timeout', ['status', '--timeout', '2s'])
    expect(r.code).toBe(ExitCode.CONNECTION)
    expect(r.stderr).toMatch(
      /DEADLINE.*connecting to NATS at .*the last one failed: (Authentication Timeout|write EPIPE)/,
    )
    expect(r.connections).toBeGreaterThan(1)
  })
})
