/**
 * `lattice init DIR` (issue #30, item 4), end to end: the directory it writes is a working
 * deployment. The real nats-server starts with the written config (its port overridden on the
 * command line, as docs/setup.md says), hosts connect with host.creds, and a real shift, status and
 * history run through it with the written keys and creds. Existing keys are never overwritten
 * without --force, and no seed is ever printed.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { Host } from '../../src/host-core/index.js'
import { json, lattice } from '../helpers/cli.js'
import { spawnServer, stopProc } from '../helpers/server-process.js'

const home = mkdtempSync(join(tmpdir(), 'lattice-init-'))
const dir = join(home, 'nats')
let server: ChildProcess | undefined
const hosts: Host[] = []

afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()))
  await stopProc(server)
  rmSync(home, { recursive: true, force: true })
})

interface Init {
  dir: string
  listen: string
  files: Record<string, string>
  keys: {
    operator: string
    signingKey: string
    systemAccount: string
    appAccount: string
    users: Record<string, string>
  }
  env: Record<string, string>
}
// A whole seed (S, its type, 56 more): unanchored, {50,} also matched inside a public key holding "SA" near its start.
const SEED = /\bS[OAUNC][A-Z2-7]{56}\b/

describe('lattice init', () => {
  it('writes a deployment that a real nats-server runs, and lattice and hosts work through with its files', async () => {
    const out = await lattice(['init', dir, '--json'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).not.toMatch(SEED)
    const init = json<Init>(out)
    expect(init.listen).toBe('0.0.0.0:4222')
    for (const f of [
      'operatorSeed',
      'signingKey',
      'sysAccountSeed',
      'appAccountSeed',
      'sysCreds',
      'stateCreds',
      'appCreds',
      'hostCreds',
    ])
      expect(statSync(init.files[f]).mode & 0o777, f).toBe(0o600)
    const conf = readFileSync(init.files.serverConf, 'utf8')
    expect(conf).toMatch(/^resolver: \{ type: full, /m)
    expect(conf).toContain(`system_account: "${init.keys.systemAccount}"`)
    expect(conf).toMatch(/^jetstream: /m)
    expect(conf).not.toMatch(SEED)

    // The port overridden on the command line (docs/setup.md): any free one, on loopback.
    const portsDir = join(home, 'ports')
    mkdirSync(portsDir)
    const started = await spawnServer(init.files.serverConf, portsDir, [
      '-a',
      '127.0.0.1',
      '-p',
      '-1',
      '--ports_file_dir',
      portsDir,
    ])
    server = started.proc
    const url = started.ports.nats[0]
    const env: Record<string, string> = { ...init.env, NATS_URL: url }

    const actor = (await lattice(['dev', 'id', 'actor'])).stdout.trim()
    for (const version of ['v1', 'v2']) {
      const host = await Host.start({ servers: url, creds: env.HOST_CREDS, hostId: `init-${version}`, logger: false })
      hosts.push(host)
      await host.startActor({ id: actor, version, handler: () => version })
    }
    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], env)
    expect(shift.code, shift.stderr).toBe(0)
    expect(shift.stdout).toMatch(/lattice: jwt updated, installed/)
    expect(shift.stdout).toMatch(/Recorded as revision 1\./) // the state bucket: JetStream in the application account
    const status = json<{
      routes: { id: string; weights: Record<string, number>; instances: Record<string, number> }[]
    }>(await lattice(['status', '--json'], env))
    expect(status.routes).toEqual([
      expect.objectContaining({ id: actor, weights: { v1: 70, v2: 30 }, instances: { v1: 1, v2: 1 } }),
    ])
    const history = await lattice(['history'], env)
    expect(history.stdout).toMatch(/v1 0% -> 70%, v2 0% -> 30%/)
    // The system user is refused as a host: it is for lattice's pushes only.
    await expect(Host.start({ servers: url, creds: env.NATS_CREDS, logger: false })).rejects.toMatchObject({
      code: 'SYSTEM_ACCOUNT',
    })
  })

  it('refuses to overwrite keys (nothing changed) unless --force, which writes new ones', async () => {
    const before = readFileSync(join(dir, 'operator.jwt'), 'utf8')
    const again = await lattice(['init', dir])
    expect(again.code).toBe(ExitCode.INVALID_INPUT)
    expect(again.stderr).toMatch(
      /KEYS_EXIST.*already holds server\.conf, operator\.jwt, .*: lattice init does not overwrite keys/,
    )
    expect(again.stderr).toMatch(/--force/)
    expect(readFileSync(join(dir, 'operator.jwt'), 'utf8')).toBe(before)

    await stopProc(server)
    const forced = await lattice(['init', dir, '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).not.toMatch(SEED)
    expect(forced.stdout).toMatch(/^Wrote a NATS deployment for lattice in /)
    expect(forced.stdout).toMatch(/nats-server -c .*server\.conf/)
    expect(forced.stdout).toMatch(/HOST_CREDS=".*host\.creds"/)
    expect(readFileSync(join(dir, 'operator.jwt'), 'utf8')).not.toBe(before)
    expect(statSync(join(dir, 'sys.creds')).mode & 0o777).toBe(0o600)
  })
})
