/**
 * A host connected as a system-account user (issue #30, item 5) refuses to start: it would say
 * ready and never receive a call, since calls travel in the application account. The check is
 * one request to a real server; a least-privilege host user (no $SYS) is not held up by it.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeUser, fmtCreds } from 'nats-jwt'
import { createUser } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { Host } from '../../src/host-core/index.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const HOST_SCRIPT = fileURLToPath(new URL('../../examples/host/host.mjs', import.meta.url))
const t = useTestLattice()

describe('a host in the system account', () => {
  it('is refused with SYSTEM_ACCOUNT (its own connection closed, a borrowed one left open); an application user starts', async () => {
    await expect(
      Host.start({ servers: t.l.url, creds: t.l.sysCredsFile, hostId: 'sys-host', logger: false }),
    ).rejects.toMatchObject({
      name: 'HostError',
      code: 'SYSTEM_ACCOUNT',
      message: expect.stringMatching(/Host sys-host is connected as a user of the NATS system account.*HOST_CREDS/),
    })
    const borrowed = await t.connect(t.l.sysCredsFile)
    await expect(Host.start({ nc: borrowed, hostId: 'sys-borrowed', logger: false })).rejects.toMatchObject({
      code: 'SYSTEM_ACCOUNT',
    })
    expect(borrowed.isClosed()).toBe(false)

    const actor = newActorId()
    const host = await t.host('app-host', { servers: t.l.url, creds: t.l.appCredsFile, logger: false })
    await host.startActor({ id: actor, version: 'v1', handler: () => 'v1' })
    const caller = await t.connect()
    expect((await caller.request(`wasmbus.rpc.default.${actor}`, '', { timeout: 3000 })).string()).toBe('v1')
  })

  it('a host user with only the permissions of docs/host-core.md starts at once and serves', async () => {
    const user = createUser()
    const perms = {
      pub: { allow: ['wasmbus.metrics.default.lp'] },
      sub: {
        allow: [
          'wasmbus.rpc.default.>',
          'wasmbus.ctl.default.cmd.lp.>',
          'wasmbus.ctl.default.get.lp.>',
          'wasmbus.ctl.default.ping.hosts',
        ],
      },
      resp: { max: 1, ttl: 0 },
    }
    const creds = join(t.l.dir, 'least.creds')
    writeFileSync(creds, fmtCreds(await encodeUser('lp', user, t.l.id.app, perms as never), user), { mode: 0o600 })
    const nc = await t.connect(creds)
    const started = Date.now()
    const host = await t.host('lp', { nc, logger: false })
    // Denied $SYS publish fails the check at once; waiting for its 2 s timeout would mean a stuck start.
    expect(Date.now() - started).toBeLessThan(2000)
    const actor = newActorId()
    await host.startActor({ id: actor, version: 'v1', handler: () => 'lp' })
    const caller = await t.connect()
    expect((await caller.request(`wasmbus.rpc.default.${actor}`, '', { timeout: 3000 })).string()).toBe('lp')
  })

  it('examples/host/host.mjs reads HOST_CREDS, not NATS_CREDS, and exits 1 naming the code when given system creds', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [HOST_SCRIPT], {
          env: { PATH: process.env.PATH ?? '', NATS_URL: t.l.url, ACTOR_ID: newActorId(), ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        p.stdout.on('data', (d) => (stdout += d))
        p.stderr.on('data', (d) => (stderr += d))
        // A host that started is stopped: its "ready" line is what is checked.
        p.stdout.on('data', () => stdout.includes('"ready"') && p.kill('SIGTERM'))
        p.on('exit', (code) => resolve({ code, stdout, stderr }))
      })
    const sys = await run({ HOST_CREDS: t.l.sysCredsFile })
    expect(sys.code, sys.stderr).toBe(1)
    expect(sys.stderr).toMatch(/host: cannot start: Host .* system account.*\[SYSTEM_ACCOUNT\]/)
    expect(sys.stdout).not.toContain('ready')
    // The shell of `lattice dev env` exports NATS_CREDS (system) and HOST_CREDS (application): the host takes HOST_CREDS.
    const app = await run({ NATS_CREDS: t.l.sysCredsFile, HOST_CREDS: t.l.appCredsFile })
    expect(app.stdout, app.stderr).toContain('"event":"ready"')
  })
})
