/**
 * `lattice dashboard`'s server at the HTTP level (no browser): a real lattice, real hosts, real
 * traffic, the CLI as a child process. What the page gets (snapshot, SSE), who may act (token,
 * Host, Origin), and that the actions do what the commands do. Its flags and a lost server:
 * dashboard-flags.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Frame, HistoryEvent, RolloutsEvent } from '../../src/dashboard/model.js'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { type RunningDashboard, http, readEvents } from '../helpers/dashboard.js'
import { useDashboardSuite } from '../helpers/dashboard-suite.js'
import type { TestLattice } from '../helpers/nats-server.js'

const suite = useDashboardSuite({ v1: 2, v2: 1 })
const { served, snapshotUntil, post, entityOf, env, weights } = suite
let l: TestLattice, actor: string, dash: RunningDashboard
beforeAll(() => void ({ l, actor, dash } = suite))

async function revisionCount(): Promise<number> {
  const r = await lattice(['history', '--json'], env())
  expect(r.code, r.stderr).toBe(0)
  return json<{ revisions: unknown[] }>(r).revisions.length
}

describe('lattice dashboard: what the page gets', () => {
  it('the snapshot and the SSE stream carry the weights and instances; the observed split follows a shift within seconds', async () => {
    const s = await snapshotUntil((x) => entityOf(x.frame)?.versions.find((v) => v.version === 'v2')?.instances === 1)
    expect(s.hello).toMatchObject({
      readOnly: false,
      intervalMs: 1000,
      windowMs: 900_000,
      account: l.appAccount,
      lattice: 'default',
    })
    const e = entityOf(s.frame)
    expect(e?.key).toBe(`actor ${actor}`)
    expect(Object.fromEntries(e?.versions.map((v) => [v.version, [v.weight, v.instances]]) ?? [])).toEqual({
      v1: [100, 2],
      v2: [0, 1],
    })

    const sse = await readEvents(dash.port, dash.token, {
      ms: 30_000,
      until: (ev) => ev.some((x) => x.event === 'frame'),
    })
    served.push(sse.text)
    expect(sse.events.slice(0, 2).map((x) => x.event)).toEqual(['hello', 'backfill'])
    expect(sse.events.map((x) => x.event)).toEqual(expect.arrayContaining(['rollouts', 'history', 'servers', 'frame']))
    const frame = sse.events.find((x) => x.event === 'frame')?.data as Frame
    expect(entityOf(frame)?.versions.find((v) => v.version === 'v1')).toMatchObject({ weight: 100, instances: 2 })
    const backfill = sse.events[1].data as { t: number[]; series: Record<string, Record<string, { weight: number[] }>> }
    expect(backfill.t.length).toBeGreaterThan(0)
    expect(backfill.series[`actor ${actor}`].v1.weight.length).toBe(backfill.t.length)

    const stopTraffic = await suite.t2.traffic()
    try {
      const before = await snapshotUntil(
        (x) => (entityOf(x.frame)?.versions.find((v) => v.version === 'v1')?.observed ?? 0) > 95,
      )
      expect(entityOf(before.frame)?.versions.find((v) => v.version === 'v1')?.observed).toBeGreaterThan(95)
      const r = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '50'], env())
      expect(r.code, r.stderr).toBe(0)
      // Weights within a few frames, the observed split once the calls follow them.
      const after = await snapshotUntil((x) => {
        const v2 = entityOf(x.frame)?.versions.find((v) => v.version === 'v2')
        return v2?.weight === 50 && Math.abs((v2.observed ?? 0) - 50) < 15
      })
      const v2 = entityOf(after.frame)?.versions.find((v) => v.version === 'v2')
      expect(v2?.weight).toBe(50)
      expect(Math.abs((v2?.observed ?? 0) - 50)).toBeLessThan(15)
      expect(v2?.rate).toBeGreaterThan(0)
    } finally {
      await stopTraffic()
    }
    expect((await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], env())).code).toBe(0)
  }, 180_000)

  it('serves the page with the token, its files without, and nothing outside them', async () => {
    const page = await http(dash.port, 'GET', `/?token=${dash.token}`)
    served.push(page.body)
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.headers['cache-control']).toBe('no-store')
    expect((await http(dash.port, 'GET', '/assets/index.html')).status).toBe(200)
    for (const path of [
      '/assets/../../package.json',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/nothing.js',
    ]) {
      const a = await http(dash.port, 'GET', path)
      expect(a.status, path).toBe(404)
      expect(a.body).not.toMatch(/"name"\s*:\s*"lattice/)
    }
  })
})

describe('lattice dashboard: who may act', () => {
  it('/events and /api/snapshot need the token: 401 without, 403 with a wrong one; the page itself (no data in it) loads without one, so a reload works, but not with a stale one', async () => {
    for (const path of ['/events', '/api/snapshot']) {
      expect((await http(dash.port, 'GET', path)).status, path).toBe(401)
      expect((await http(dash.port, 'GET', `${path}?token=${dash.token.slice(1)}x`)).status, path).toBe(403)
    }
    const page = await http(dash.port, 'GET', '/')
    expect(page.status).toBe(200)
    expect(page.body).toMatch(/<html/)
    expect((await http(dash.port, 'GET', `/?token=${dash.token.slice(1)}x`)).status).toBe(403)
  })

  it('a request naming another host is refused (421), whatever it carries', async () => {
    const a = await http(dash.port, 'GET', `/api/snapshot?token=${dash.token}`, {
      headers: { Host: `evil.example:${dash.port}` },
    })
    expect(a.status).toBe(421)
    expect(a.body).not.toContain('"frame"')
    expect(
      (await http(dash.port, 'GET', `/?token=${dash.token}`, { headers: { Host: `localhost:${dash.port}` } })).status,
    ).toBe(200)
  })

  it('POSTs without the header, with a wrong token, from a foreign Origin or with a wrong Host are refused and change nothing; a GET to an action does nothing', async () => {
    const before = await weights()
    const revisions = await revisionCount()
    const body = { revision: 0 }
    const noToken = await http(dash.port, 'POST', '/api/rollback', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(noToken.status).toBe(401)
    expect((await post('/api/rollback', body, { 'X-Lattice-Token': 'wrong' })).status).toBe(403)
    expect((await post('/api/rollback', body, { Origin: 'http://evil.example' })).status).toBe(403)
    expect((await post('/api/rollback', body, { Host: `evil.example:${dash.port}` })).status).toBe(421)
    // A form post (no JSON content type) cannot act either.
    expect(
      (
        await http(dash.port, 'POST', '/api/rollback', {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Lattice-Token': dash.token },
          body: 'revision=0',
        })
      ).status,
    ).toBe(415)
    const get = await http(dash.port, 'GET', `/api/rollback?token=${dash.token}&revision=0`)
    expect(get.status).toBe(405)
    expect(await weights()).toEqual(before)
    expect(await revisionCount()).toBe(revisions)
  })
})

describe('lattice dashboard: the actions do what the commands do', () => {
  it('Abort of a running rollout restores the stable weights', async () => {
    const runner = suite.t2.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '20,100',
      '--interval',
      '60s',
      '--no-analysis',
    ])
    try {
      const s = await snapshotUntil(
        (x) =>
          x.rollouts?.rollouts.some((r) => r.entity.id === actor && r.phase === 'running' && r.setWeight === 20) ??
          false,
      )
      const view = (s.rollouts as RolloutsEvent).rollouts.find((r) => r.entity.id === actor)
      expect(view).toMatchObject({
        phase: 'running',
        from: 'v1',
        to: 'v2',
        step: 1,
        steps: 2,
        canAbort: true,
        canPromote: false,
      })
      expect(await weights()).toEqual({ v1: 80, v2: 20 })
      const a = await post('/api/rollout/abort', { entity: { kind: 'actor', id: actor } })
      expect(a.status, a.body).toBe(200)
      expect(a.answer.ok).toBe(true)
      expect((await runner.done).code, runner.stdout()).toBe(ExitCode.ROLLED_BACK)
      expect(await weights()).toEqual({ v1: 100 })
      const after = await snapshotUntil(
        (x) => x.rollouts?.rollouts.some((r) => r.entity.id === actor && r.phase === 'rolled-back') ?? false,
      )
      const r = after.rollouts?.rollouts.find((x) => x.entity.id === actor)
      expect(r?.phase).toBe('rolled-back')
      expect(r?.events.length).toBeGreaterThan(0)
      // Nothing to abort now: an error answer with the code the command gives.
      const again = await post('/api/rollout/abort', { entity: { kind: 'actor', id: actor } })
      expect(again.status).toBe(409)
      expect(again.answer).toMatchObject({ ok: false, error: { code: 'NO_ROLLOUT' } })
    } finally {
      await runner.stop()
    }
  }, 120_000)

  it('Promote of a paused rollout lets it go on', async () => {
    const runner = suite.t2.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '30,pause,100',
      '--interval',
      '300ms',
      '--no-analysis',
    ])
    try {
      const s = await snapshotUntil(
        (x) => x.rollouts?.rollouts.some((r) => r.entity.id === actor && r.phase === 'paused') ?? false,
      )
      expect(s.rollouts?.rollouts.find((r) => r.entity.id === actor)).toMatchObject({
        phase: 'paused',
        canPromote: true,
      })
      const a = await post('/api/rollout/promote', { entity: { kind: 'actor', id: actor } })
      expect(a.answer.ok, a.body).toBe(true)
      expect((await runner.done).code).toBe(0)
      expect(await weights()).toEqual({ v2: 100 })
    } finally {
      await runner.stop()
    }
  }, 120_000)

  it('Roll back to a revision restores its weights, as a new revision', async () => {
    const h = (await snapshotUntil((x) => (x.history?.revisions.length ?? 0) > 0)).history as HistoryEvent
    // The first revision that routed the actor: v1 at 100%.
    const first = [...h.revisions].reverse().find((r) => r.changes.some((c) => c.includes(actor)))
    expect(first).toBeDefined()
    expect(first?.canRollBack).toBe(true)
    expect(h.revisions[0].canRollBack).toBe(false)
    const a = await post('/api/rollback', { revision: first?.revision })
    expect(a.answer.ok, a.body).toBe(true)
    expect(await weights()).toEqual({ v1: 100 })
    const after = await snapshotUntil((x) => (x.history?.revisions[0].revision ?? 0) > h.revisions[0].revision)
    expect(after.history?.revisions[0].command).toMatch(/^lattice rollback --to \d+ \(from lattice dashboard\)$/)
    // A bad body is a usage error, and nothing changes.
    const bad = await post('/api/rollback', { revision: 'latest' })
    expect(bad.status).toBe(400)
  }, 120_000)
})

describe('lattice dashboard: secrets', () => {
  it('no seed or creds content in anything served', () => suite.expectNoSecrets())
})
