/**
 * wasmCloud 1.x components (wRPC): lattice routes calls between component IDs with JWT mappings
 * `{lattice}.{id}.wrpc.>` -> weighted `{lattice}.{V}.wrpc.>`. A minimal fake host subscribes as a
 * wasmCloud host does (one subject per exported function, queue group `{lattice}.{V}`) and echoes;
 * a caller requests `{lattice}.{id}.wrpc.…` as a linked component would. (The full emulation of
 * wasmCloud's hosts is test/integration/wasmcloud*.test.ts.) `>` destinations need nats-server
 * 2.9.22+: an older server under test must refuse, with nothing pushed. Rollouts and specs of
 * components: components-rollouts.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { useFakeComponents } from '../helpers/fake-components.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { serverVersion } from '../helpers/server-version.js'
import { skipIf, skips } from '../helpers/skips.js'

const { t, conns, served, callMany, resetServed, otherFields } = useFakeComponents()

describe(`components (wRPC) on nats-server ${serverVersion()}`, () => {
  it('status lists running components as unrouted, with their scheme', async () => {
    const s = json<{ unrouted: unknown[] }>(await lattice(['status', '--json'], t.l.env()))
    expect(s.unrouted).toContainEqual({
      kind: 'component',
      scheme: 'wRPC',
      id: 'hello',
      subject: 'default.hello.wrpc.>',
      instances: { hello: 1 },
    })
    expect(s.unrouted).toContainEqual({
      kind: 'component',
      scheme: 'wRPC',
      id: 'hello-v2',
      subject: 'default.hello-v2.wrpc.>',
      instances: { 'hello-v2': 1 },
    })
    const text = await lattice(['status'], t.l.env())
    expect(text.stdout).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello\s+unrouted\s+1\s+default\.hello\.wrpc\.>/)
  })

  it(
    'a server older than 2.9.22 refuses a component route before anything is pushed',
    skipIf(skips.serverAtLeast('2.9.22')),
    async () => {
      const before = await liveJwt(t.l)
      const r = await lattice(
        ['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v2', '--weight', '30'],
        t.l.env(),
      )
      expect(r.code).toBe(8)
      expect(r.stderr).toContain(
        `routing component IDs (wRPC subjects) needs nats-server 2.9.22 or newer; server ${t.l.nodes[0].name} runs ${serverVersion()}`.replace(
          /^r/,
          'R',
        ),
      )
      expect(r.stderr).toMatch(/Nothing was changed/)
      expect(await liveJwt(t.l)).toBe(before)
      const f = json<{ error: { code: string } }>(
        await lattice(['fault', 'component', 'hello', '--drop', '5', '--json'], t.l.env()),
      )
      expect(f.error.code).toBe('SERVER_RULES')
      const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'lattice.yaml')
      writeFileSync(file, 'splits:\n  - component: hello\n    weights: { hello: 90, hello-v2: 10 }\n')
      const a = await lattice(['apply', '-f', file], t.l.env())
      expect(a.code).toBe(8)
      expect(a.stderr).toMatch(/needs nats-server 2\.9\.22 or newer/)
      expect(await liveJwt(t.l)).toBe(before)
    },
  )

  describe('on a server that routes them (2.9.22+)', skipIf(skips.serverOlderThan('2.9.22')), () => {
    let others: unknown
    beforeAll(async () => {
      others = await otherFields()
    })

    it('refuses weight for a component ID nothing serves', async () => {
      const before = await liveJwt(t.l)
      const r = await lattice(
        ['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v3', '--weight', '30', '--json'],
        t.l.env(),
      )
      expect(r.code).toBe(8)
      expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({
        code: 'VERSION_NOT_READY',
        message: expect.stringContaining('component hello version hello-v3'),
      })
      expect(await liveJwt(t.l)).toBe(before)
    })

    it('splits 70/30 between hello and hello-v2, measured over 2000 calls', async () => {
      const r = await lattice(
        ['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v2', '--weight', '30'],
        t.l.env(),
      )
      expect(r.code, r.stderr).toBe(0)
      resetServed()
      const calls = await callMany(conns[2], 'hello', 2000)
      expect(calls).toEqual({ ok: 2000, noResponders: 0 })
      const share = (served['hello-v2'] / 2000) * 100
      expect(share, JSON.stringify(served)).toBeGreaterThanOrEqual(26)
      expect(share, JSON.stringify(served)).toBeLessThanOrEqual(34)
    })

    it('status shows the route: scheme, weights, instances per component ID', async () => {
      const s = json<{ routes: unknown[]; unrouted: { id: string }[] }>(await lattice(['status', '--json'], t.l.env()))
      expect(s.routes).toContainEqual({
        kind: 'component',
        scheme: 'wRPC',
        id: 'hello',
        subject: 'default.hello.wrpc.>',
        weights: { hello: 70, 'hello-v2': 30 },
        instances: { hello: 1, 'hello-v2': 1 },
      })
      expect(s.unrouted.map((u) => u.id)).not.toContain('hello-v2')
      // Every server runs the `>` mapping as written (ACCOUNTZ).
      const servers = json<{ servers: { installed: boolean | null }[] }>(
        await lattice(['status', '--servers', '--json'], t.l.env()),
      ).servers
      expect(servers.map((x) => x.installed)).toEqual([true])
      const text = (await lattice(['status'], t.l.env())).stdout
      expect(text).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello-v2\s+30%\s+1\s+default\.hello-v2\.wrpc\.>/)
    })

    it('verify and watch observe the split per component ID (one message per call on {lattice}.{V}.wrpc.>)', async () => {
      const env = { ...t.l.env(), LATTICE_APP_CREDS: t.l.appCredsFile }
      let on = true
      const loop = (async () => {
        while (on) await callMany(conns[2], 'hello', 100)
      })()
      try {
        const r = await lattice(['verify', 'component', 'hello', '--window', '2s', '--json'], env)
        expect(r.code, r.stderr).toBe(0)
        const v = json<{ entity: string; match: boolean; observed: Record<string, number> }>(r)
        expect(v).toMatchObject({ entity: 'component hello', match: true })
        expect(Math.abs(v.observed['hello-v2'] - 30)).toBeLessThanOrEqual(6)
        const w = await lattice(['watch', 'hello', '--json', '--count', '2', '--interval', '1s'], env)
        expect(w.code, w.stderr).toBe(0)
        const frames = w.stdout
          .trim()
          .split('\n')
          .map(
            (line) =>
              JSON.parse(line) as {
                entities: { entity: string; versions: { version: string; weight: number; rate: number }[] }[]
              },
          )
        expect(frames[1].entities[0].entity).toBe('component hello')
        expect(frames[1].entities[0].versions.find((x) => x.version === 'hello-v2')).toMatchObject({
          weight: 30,
          rate: expect.any(Number),
        })
        expect(frames[1].entities[0].versions.find((x) => x.version === 'hello-v2')?.rate).toBeGreaterThan(0)
      } finally {
        on = false
        await loop
      }
    })

    it('100% to hello-v2: every call reaches it', async () => {
      const r = await lattice(['shift', 'component', 'hello', '--to', 'hello-v2', '--weight', '100'], t.l.env())
      expect(r.code, r.stderr).toBe(0)
      resetServed()
      expect(await callMany(conns[2], 'hello', 500)).toEqual({ ok: 500, noResponders: 0 })
      expect(served).toEqual({ hello: 0, 'hello-v2': 500 })
    })

    it('fault drop 50: about half the calls get "no responders"; clear restores every call', async () => {
      const f = await lattice(['fault', 'component', 'hello', '--drop', '50'], t.l.env())
      expect(f.code, f.stderr).toBe(0)
      const s = json<{ routes: { id: string; weights: unknown; drop?: number }[] }>(
        await lattice(['status', '--json'], t.l.env()),
      )
      expect(s.routes.find((r) => r.id === 'hello')).toMatchObject({ weights: { 'hello-v2': 50 }, drop: 50 })
      const dropped = await callMany(conns[2], 'hello', 2000)
      expect(dropped.ok + dropped.noResponders).toBe(2000)
      expect(dropped.noResponders).toBeGreaterThan(850)
      expect(dropped.noResponders).toBeLessThan(1150)

      const c = await lattice(['fault', 'clear', 'hello'], t.l.env())
      expect(c.code, c.stderr).toBe(0)
      expect(await callMany(conns[2], 'hello', 500)).toEqual({ ok: 500, noResponders: 0 })
      const after = json<{ routes: { id: string; weights: unknown; drop?: number }[] }>(
        await lattice(['status', '--json'], t.l.env()),
      )
      expect(after.routes.find((r) => r.id === 'hello')).toMatchObject({ weights: { 'hello-v2': 100 } })
      expect(after.routes.find((r) => r.id === 'hello')?.drop).toBeUndefined()
    })

    it('a fault with no weights sends the rest to the component ID itself', async () => {
      // hello-v2 has no route yet: its own ID is its only version.
      const f = await lattice(['fault', 'component', 'hello-v2', '--drop', '20'], t.l.env())
      expect(f.code, f.stderr).toBe(0)
      const claims = await liveClaims(t.l)
      expect((claims.nats.mappings as Record<string, unknown>)['default.hello-v2.wrpc.>']).toEqual([
        { subject: 'default.hello-v2.wrpc.>', weight: 80 },
        { subject: 'default.hello-v2._drop.>', weight: 20 },
      ])
      expect((await lattice(['fault', 'clear', 'hello-v2'], t.l.env())).code).toBe(0)
    })

    it('keeps every other field of the account JWT, as the same JSON text', async () => {
      expect((others as [string, string][]).map(([k]) => k)).toEqual(expect.arrayContaining(['name', 'nats.limits']))
      expect(await otherFields()).toEqual(others)
    })
  })
})
