/**
 * `lattice dashboard`'s flags (--read-only, --host, --allow-remote, --open, a port in use), and a
 * dashboard without state or app creds whose server goes away and comes back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Snapshot } from '../../src/dashboard/model.js'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { type RunningDashboard, http, startDashboard } from '../helpers/dashboard.js'
import { useDashboardSuite } from '../helpers/dashboard-suite.js'
import type { TestLattice } from '../helpers/nats-server.js'

const suite = useDashboardSuite({ v1: 2, v2: 1 })
const { served, snapshotUntil, post, entityOf, env, weights } = suite
let l: TestLattice, actor: string, dash: RunningDashboard
beforeAll(() => void ({ l, actor, dash } = suite))

describe('lattice dashboard: flags', () => {
  it('--read-only: hello says so and every POST is 403', async () => {
    const ro = await startDashboard(['--read-only'], env())
    try {
      expect(ro.readOnly).toBe(true)
      const s = await http(ro.port, 'GET', `/api/snapshot?token=${ro.token}`)
      served.push(s.body)
      expect((JSON.parse(s.body) as Snapshot).hello.readOnly).toBe(true)
      const before = await weights()
      for (const [path, body] of [
        ['/api/rollout/abort', { entity: { kind: 'actor', id: actor } }],
        ['/api/rollout/promote', { entity: { kind: 'actor', id: actor } }],
        ['/api/rollback', { revision: 0 }],
      ] as const) {
        expect((await post(path, body, {}, ro)).status, path).toBe(403)
      }
      expect(await weights()).toEqual(before)
    } finally {
      await ro.stop()
    }
  }, 120_000)

  it('--host 0.0.0.0 without --allow-remote is refused (REMOTE_NOT_ALLOWED, exit 3)', async () => {
    const r = await lattice(['dashboard', '--host', '0.0.0.0', '--port', '0', '--json'], env())
    expect(r.code).toBe(ExitCode.INVALID_INPUT)
    expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({
      code: 'REMOTE_NOT_ALLOWED',
      message: expect.stringMatching(/plain HTTP/),
    })
  })

  it('--allow-remote listens beyond loopback with a warning; --open hands the URL to the desktop opener (xdg-open)', async () => {
    // A stand-in xdg-open on PATH records what it was given.
    const bin = mkdtempSync(join(tmpdir(), 'lattice-open-'))
    const got = join(bin, 'opened')
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > ${got}\n`, { mode: 0o755 })
    const d = await startDashboard(['--host', '0.0.0.0', '--allow-remote', '--read-only', '--open'], {
      ...env(),
      PATH: `${bin}:${process.env.PATH}`,
    })
    try {
      expect((await http(d.port, 'GET', `/api/snapshot?token=${d.token}`)).status).toBe(200)
      const end = Date.now() + 20_000
      while (!existsSync(got) && Date.now() < end) await new Promise((r) => setTimeout(r, 100))
      expect(d.warnings).toEqual([expect.stringMatching(/^Listening on 0\.0\.0\.0 \(--allow-remote\): .*plain HTTP/)])
      expect(readFileSync(got, 'utf8').trim()).toBe(d.url)
    } finally {
      await d.stop()
      rmSync(bin, { recursive: true, force: true })
    }
  }, 120_000)

  it('a port in use is refused (PORT_IN_USE)', async () => {
    const r = await lattice(['dashboard', '--port', String(dash.port), '--json'], env())
    expect(r.code).toBe(ExitCode.INVALID_INPUT)
    expect(json<{ error: { code: string } }>(r).error.code).toBe('PORT_IN_USE')
  })
})

describe('lattice dashboard: without state or app creds, and when NATS goes away', () => {
  it('says what is missing, shows weights and instances, and a lost server is a feed error the feed recovers from', async () => {
    const { LATTICE_STATE_CREDS: _s, LATTICE_APP_CREDS: _a, ...bare } = env()
    const d = await startDashboard([], bare)
    try {
      const until = (ok: (s: Snapshot) => boolean, ms?: number) => snapshotUntil(ok, ms, d)
      const s = await until((x) => Boolean(x.frame && x.rollouts && x.history))
      expect(s.hello.observing).toBe(false)
      expect(s.hello.warnings?.join('\n')).toMatch(/--app-creds[\s\S]*--state-creds/)
      expect(s.rollouts).toMatchObject({ rollouts: [], unavailable: expect.stringMatching(/--state-creds/) })
      expect(s.history).toMatchObject({ revisions: [], unavailable: expect.stringMatching(/--state-creds/) })
      const v1 = entityOf(s.frame)?.versions.find((v) => v.version === 'v1')
      expect(v1).toMatchObject({ weight: 100, observed: null, instances: 2 })

      await l.stopNode(0)
      const down = await until((x) => x.feedError !== undefined)
      expect(down.feedError?.code).toMatch(/\w/)
      await l.startNode(0)
      const restarted = Date.now()
      const back = await until(
        (x) => x.feedError === undefined && (x.frame?.t ?? 0) > restarted && entityOf(x.frame) !== undefined,
        60_000,
      )
      expect(back.feedError).toBeUndefined()
      expect(entityOf(back.frame)?.versions.find((v) => v.version === 'v1')?.weight).toBe(100)
    } finally {
      await d.stop()
    }
  }, 180_000)
})

describe('lattice dashboard: secrets', () => {
  it('no seed or creds content in anything served', () => suite.expectNoSecrets())
})
