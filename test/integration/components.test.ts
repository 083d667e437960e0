/**
 * wasmCloud 1.x components (wRPC): lattice routes calls between component IDs with JWT mappings
 * `{lattice}.{id}.wrpc.>` -> weighted `{lattice}.{V}.wrpc.>`. A minimal fake host subscribes as a
 * wasmCloud host does (one subject per exported function, queue group `{lattice}.{V}`) and echoes;
 * a caller requests `{lattice}.{id}.wrpc.…` as a linked component would. (The full emulation of
 * wasmCloud's hosts is test/integration/wasmcloud*.test.ts.) `>` destinations need nats-server
 * 2.9.22+: an older server under test must refuse, with nothing pushed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type NatsConnection, ErrorCode, type NatsError } from 'nats'
import { ExitCode } from '../../src/errors.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliRun, background, json, lattice } from '../helpers/cli.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { rawFields } from '../helpers/raw-json.js'
import { type TestLattice, startLattice } from '../helpers/nats-server.js'
import { serverVersion } from '../helpers/server-version.js'
import { skipIf, skips } from '../helpers/skips.js'
import { appConnection } from '../helpers/traffic.js'

const FN = 'wrpc.0.0.1.test:demo/echo@0.1.0.call'

let l: TestLattice
const conns: NatsConnection[] = []
/** Calls each fake host served, by component ID. */
const served: Record<string, number> = {}

/** A fake wasmCloud host running component `id`: echoes every call on its wRPC subject. */
async function fakeHost(nc: NatsConnection, id: string): Promise<void> {
  served[id] = 0
  nc.subscribe(`default.${id}.${FN}`, {
    queue: `default.${id}`,
    callback: (_err, msg) => {
      served[id]++
      msg.respond(msg.data)
    },
  })
  await nc.flush()
}

/** `count` calls to component `id`, 50 at a time: how many were answered and how many got "no responders". */
async function callMany(nc: NatsConnection, id: string, count: number): Promise<{ ok: number; noResponders: number }> {
  const out = { ok: 0, noResponders: 0 }
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        try {
          const reply = await nc.request(`default.${id}.${FN}`, new TextEncoder().encode(`call ${i + j}`), { timeout: 10_000 })
          if (new TextDecoder().decode(reply.data) === `call ${i + j}`) out.ok++
        } catch (e) {
          if ((e as NatsError).code === ErrorCode.NoResponders) out.noResponders++
          else throw e
        }
      }),
    )
  }
  return out
}

function resetServed(): void {
  for (const k of Object.keys(served)) served[k] = 0
}

/** The claims lattice does not own, as raw JSON text: everything but the mappings, iat and jti. */
async function otherFields(): Promise<[string, string][]> {
  const payload = Buffer.from((await liveJwt(l)).split('.')[1], 'base64url').toString('utf8')
  const top = rawFields(payload).filter(([k]) => k !== 'iat' && k !== 'jti')
  const nats = rawFields(top.find(([k]) => k === 'nats')?.[1] ?? '{}').filter(([k]) => k !== 'mappings')
  return [...top.filter(([k]) => k !== 'nats'), ...nats.map(([k, v]): [string, string] => [`nats.${k}`, v])]
}

beforeAll(async () => {
  l = await startLattice({ jetstream: true })
  conns.push(...(await Promise.all([0, 1, 2].map(() => appConnection(l.url, l.appCredsFile)))))
  await fakeHost(conns[0], 'hello')
  await fakeHost(conns[1], 'hello-v2')
})
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()))
  await l?.stop()
})

describe(`components (wRPC) on nats-server ${serverVersion()}`, () => {
  it('status lists running components as unrouted, with their scheme', async () => {
    const s = json<{ unrouted: unknown[] }>(await lattice(['status', '--json'], l.env()))
    expect(s.unrouted).toContainEqual({ kind: 'component', scheme: 'wRPC', id: 'hello', subject: 'default.hello.wrpc.>', instances: { hello: 1 } })
    expect(s.unrouted).toContainEqual({ kind: 'component', scheme: 'wRPC', id: 'hello-v2', subject: 'default.hello-v2.wrpc.>', instances: { 'hello-v2': 1 } })
    const text = await lattice(['status'], l.env())
    expect(text.stdout).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello\s+unrouted\s+1\s+default\.hello\.wrpc\.>/)
  })

  it('a server older than 2.9.22 refuses a component route before anything is pushed', skipIf(skips.serverAtLeast('2.9.22')), async () => {
    const before = await liveJwt(l)
    const r = await lattice(['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v2', '--weight', '30'], l.env())
    expect(r.code).toBe(8)
    expect(r.stderr).toContain(`routing component IDs (wRPC subjects) needs nats-server 2.9.22 or newer; server ${l.nodes[0].name} runs ${serverVersion()}`.replace(/^r/, 'R'))
    expect(r.stderr).toMatch(/Nothing was changed/)
    expect(await liveJwt(l)).toBe(before)
    const f = json<{ error: { code: string } }>(await lattice(['fault', 'component', 'hello', '--drop', '5', '--json'], l.env()))
    expect(f.error.code).toBe('SERVER_RULES')
    const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'lattice.yaml')
    writeFileSync(file, 'splits:\n  - component: hello\n    weights: { hello: 90, hello-v2: 10 }\n')
    const a = await lattice(['apply', '-f', file], l.env())
    expect(a.code).toBe(8)
    expect(a.stderr).toMatch(/needs nats-server 2\.9\.22 or newer/)
    expect(await liveJwt(l)).toBe(before)
  })

  describe('on a server that routes them (2.9.22+)', skipIf(skips.serverOlderThan('2.9.22')), () => {
    let others: unknown
    beforeAll(async () => {
      others = await otherFields()
    })

    it('refuses weight for a component ID nothing serves', async () => {
      const before = await liveJwt(l)
      const r = await lattice(['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v3', '--weight', '30', '--json'], l.env())
      expect(r.code).toBe(8)
      expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({ code: 'VERSION_NOT_READY', message: expect.stringContaining('component hello version hello-v3') })
      expect(await liveJwt(l)).toBe(before)
    })

    it('splits 70/30 between hello and hello-v2, measured over 2000 calls', async () => {
      const r = await lattice(['shift', 'component', 'hello', '--from', 'hello', '--to', 'hello-v2', '--weight', '30'], l.env())
      expect(r.code, r.stderr).toBe(0)
      resetServed()
      const calls = await callMany(conns[2], 'hello', 2000)
      expect(calls).toEqual({ ok: 2000, noResponders: 0 })
      const share = (served['hello-v2'] / 2000) * 100
      expect(share, JSON.stringify(served)).toBeGreaterThanOrEqual(26)
      expect(share, JSON.stringify(served)).toBeLessThanOrEqual(34)
    })

    it('status shows the route: scheme, weights, instances per component ID', async () => {
      const s = json<{ routes: unknown[]; unrouted: { id: string }[] }>(await lattice(['status', '--json'], l.env()))
      expect(s.routes).toContainEqual({ kind: 'component', scheme: 'wRPC', id: 'hello', subject: 'default.hello.wrpc.>', weights: { hello: 70, 'hello-v2': 30 }, instances: { hello: 1, 'hello-v2': 1 } })
      expect(s.unrouted.map((u) => u.id)).not.toContain('hello-v2')
      // Every server runs the `>` mapping as written (ACCOUNTZ).
      const servers = json<{ servers: { installed: boolean | null }[] }>(await lattice(['status', '--servers', '--json'], l.env())).servers
      expect(servers.map((x) => x.installed)).toEqual([true])
      const text = (await lattice(['status'], l.env())).stdout
      expect(text).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello-v2\s+30%\s+1\s+default\.hello-v2\.wrpc\.>/)
    })

    it('verify and watch observe the split per component ID (one message per call on {lattice}.{V}.wrpc.>)', async () => {
      const env = { ...l.env(), LATTICE_APP_CREDS: l.appCredsFile }
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
        const frames = w.stdout.trim().split('\n').map((line) => JSON.parse(line) as { entities: { entity: string; versions: { version: string; weight: number; rate: number }[] }[] })
        expect(frames[1].entities[0].entity).toBe('component hello')
        expect(frames[1].entities[0].versions.find((x) => x.version === 'hello-v2')).toMatchObject({ weight: 30, rate: expect.any(Number) })
        expect(frames[1].entities[0].versions.find((x) => x.version === 'hello-v2')?.rate).toBeGreaterThan(0)
      } finally {
        on = false
        await loop
      }
    })

    it('100% to hello-v2: every call reaches it', async () => {
      const r = await lattice(['shift', 'component', 'hello', '--to', 'hello-v2', '--weight', '100'], l.env())
      expect(r.code, r.stderr).toBe(0)
      resetServed()
      expect(await callMany(conns[2], 'hello', 500)).toEqual({ ok: 500, noResponders: 0 })
      expect(served).toEqual({ hello: 0, 'hello-v2': 500 })
    })

    it('fault drop 50: about half the calls get "no responders"; clear restores every call', async () => {
      const f = await lattice(['fault', 'component', 'hello', '--drop', '50'], l.env())
      expect(f.code, f.stderr).toBe(0)
      const s = json<{ routes: { id: string; weights: unknown; drop?: number }[] }>(await lattice(['status', '--json'], l.env()))
      expect(s.routes.find((r) => r.id === 'hello')).toMatchObject({ weights: { 'hello-v2': 50 }, drop: 50 })
      const dropped = await callMany(conns[2], 'hello', 2000)
      expect(dropped.ok + dropped.noResponders).toBe(2000)
      expect(dropped.noResponders).toBeGreaterThan(850)
      expect(dropped.noResponders).toBeLessThan(1150)

      const c = await lattice(['fault', 'clear', 'hello'], l.env())
      expect(c.code, c.stderr).toBe(0)
      expect(await callMany(conns[2], 'hello', 500)).toEqual({ ok: 500, noResponders: 0 })
      const after = json<{ routes: { id: string; weights: unknown; drop?: number }[] }>(await lattice(['status', '--json'], l.env()))
      expect(after.routes.find((r) => r.id === 'hello')).toMatchObject({ weights: { 'hello-v2': 100 } })
      expect(after.routes.find((r) => r.id === 'hello')?.drop).toBeUndefined()
    })

    it('a fault with no weights sends the rest to the component ID itself', async () => {
      // hello-v2 has no route yet: its own ID is its only version.
      const f = await lattice(['fault', 'component', 'hello-v2', '--drop', '20'], l.env())
      expect(f.code, f.stderr).toBe(0)
      const claims = await liveClaims(l)
      expect((claims.nats.mappings as Record<string, unknown>)['default.hello-v2.wrpc.>']).toEqual([
        { subject: 'default.hello-v2.wrpc.>', weight: 80 },
        { subject: 'default.hello-v2._drop.>', weight: 20 },
      ])
      expect((await lattice(['fault', 'clear', 'hello-v2'], l.env())).code).toBe(0)
    })

    it('a rollout with a failing gate is rolled back; probes are skipped and said so; --analysis finds no metrics', async () => {
      const env = { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile, LATTICE_APP_CREDS: l.appCredsFile }
      const r = await lattice(['rollout', 'component', 'hello', '--from', 'hello-v2', '--to', 'hello', '--steps', '20,100', '--interval', '300ms', '--probe-payload', 'ping', '--gate-cmd', 'test "$LATTICE_ROLLOUT_KIND $LATTICE_ROLLOUT_TO" = "component hello-v9"', '--json'], env)
      expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
      const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type?: string; message?: string; gate?: { gate: string; pass: boolean } })
      expect(events.map((e) => e.type ?? 'error')).toEqual(['started', 'step', 'gate', 'rolled-back', 'error'])
      expect(events[0].message).toContain('probes: not available for components (wRPC); gates: --gate-cmd/--gate-webhook/--gate-prometheus')
      expect(events[0].message).toMatch(/analysis off: no host reports metrics for component hello/)
      expect(events[2].gate).toMatchObject({ gate: 'command', pass: false })
      const s = json<{ routes: { id: string; weights: unknown }[] }>(await lattice(['status', '--json'], l.env()))
      expect(s.routes.find((x) => x.id === 'hello')?.weights).toEqual({ 'hello-v2': 100 })

      const before = await liveJwt(l)
      const bare = await lattice(['rollout', 'component', 'hello', '--from', 'hello-v2', '--to', 'hello', '--steps', '100', '--interval', '100ms', '--analysis', '--json'], env)
      expect(bare.code).toBe(8)
      expect(json<{ error: { code: string } }>({ ...bare, stdout: bare.stdout.trim().split('\n').at(-1) ?? '' }).error.code).toBe('NO_METRICS')
      expect(await liveJwt(l)).toBe(before)

      const ok = await lattice(['rollout', 'component', 'hello', '--from', 'hello-v2', '--to', 'hello', '--steps', '100', '--interval', '100ms', '--json'], env)
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.stdout).toContain('WARNING: no gate set, only the observed weight is checked')
      const after = json<{ routes: { id: string; weights: unknown }[] }>(await lattice(['status', '--json'], l.env()))
      expect(after.routes.find((x) => x.id === 'hello')?.weights).toEqual({ hello: 100 })
    })

    it('a spec with blue/green environments of component IDs: apply, then swap blue green', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'lattice.yaml')
      writeFileSync(file, 'environments:\n  blue:\n    components: { hello: hello }\n  green:\n    components: { hello: hello-v2 }\nlive: blue\n')
      const stateEnv = { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile }
      const a = await lattice(['apply', '-f', file], stateEnv)
      expect(a.code, a.stderr).toBe(0)
      const s = await lattice(['swap', 'blue', 'green', '-f', file], stateEnv)
      expect(s.code, s.stderr).toBe(0)
      expect(readFileSync(file, 'utf8')).toContain('live: green')
      resetServed()
      expect(await callMany(conns[2], 'hello', 300)).toEqual({ ok: 300, noResponders: 0 })
      expect(served).toEqual({ hello: 0, 'hello-v2': 300 })
      const subjects = json<{ subject: string }[]>(await lattice(['env', 'subjects', 'blue', '-f', file, '--json'], l.env()))
      expect(JSON.stringify(subjects)).toContain('default.hello.wrpc.>')
    })

    it('a spec rollout of a component pauses for `rollout promote`; `rollout abort` restores the stable weights', async () => {
      const env = { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile, LATTICE_APP_CREDS: l.appCredsFile }
      const weights = async () => json<{ routes: { id: string; weights: unknown }[] }>(await lattice(['status', '--json'], l.env())).routes.find((x) => x.id === 'hello')?.weights
      const run = (args: string[]) => background(args, env)
      const until = (proc: CliRun, re: RegExp) => proc.waitFor(re, 30_000)
      const file = join(mkdtempSync(join(tmpdir(), 'lattice-components-')), 'rollouts.yaml')
      writeFileSync(file, 'rollouts:\n  - component: hello\n    from: hello-v2\n    to: hello\n    steps: [50, pause, 100]\n    interval: 300ms\n    gates: { command: "true" }\n')
      const paused = run(['rollout', '-f', file])
      await until(paused, /paused, waiting for `lattice rollout promote`/)
      expect(await weights()).toEqual({ 'hello-v2': 50, hello: 50 })
      expect((await lattice(['rollout', 'promote', 'hello'], env)).code).toBe(0)
      expect((await paused.done).code, paused.output()).toBe(0)
      expect(await weights()).toEqual({ hello: 100 })

      const long = run(['rollout', 'component', 'hello', '--from', 'hello', '--to', 'hello-v2', '--steps', '10,100', '--interval', '60s', '--gate-cmd', 'true'])
      await until(long, /set weight 10%/)
      expect(await weights()).toEqual({ hello: 90, 'hello-v2': 10 })
      const abort = await lattice(['rollout', 'abort', 'hello'], env)
      expect(abort.code, abort.stderr).toBe(0)
      expect((await long.done).code).toBe(ExitCode.ROLLED_BACK)
      expect(await weights()).toEqual({ hello: 100 })
    })

    it('keeps every other field of the account JWT, as the same JSON text', async () => {
      expect((others as [string, string][]).map(([k]) => k)).toEqual(expect.arrayContaining(['name', 'nats.limits']))
      expect(await otherFields()).toEqual(others)
    })
  })
})
