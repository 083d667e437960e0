/**
 * Server facts the component scheme (issue #17) stands on, measured with an emulated wasmCloud
 * 1.x host and caller (test/helpers/wasmcloud.ts, which names the wasmCloud/wRPC sources it
 * follows): raw account JWTs with a wRPC mapping are pushed (signed with the operator key, as
 * server-rules.test.ts does), and the push reply, ACCOUNTZ and real invocations are checked
 * against the version the server says it is. Run per version by `npm run test:servers`.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Mappings } from '../../src/plan/routes.js'
import { installedShares } from '../../src/plan/installed.js'
import { parseVersion } from '../../src/plan/server-rules.js'
import type { Connection } from '../../src/resolver/connection.js'
import { skipIf, skips } from '../helpers/skips.js'
import { mappingPusher } from '../helpers/push-mappings.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { EmulatedCaller, EmulatedHost, type ServedComponent } from '../helpers/wasmcloud.js'

const LATTICE = 'default'
const SOURCE = `${LATTICE}.hello.wrpc.>`
const HELLO = `${LATTICE}.hello.wrpc.>`
const HELLO_V2 = `${LATTICE}.hello-v2.wrpc.>`
const DROP = `${LATTICE}.hello._drop.>`
const SPLIT: Mappings = {
  [SOURCE]: [
    { subject: HELLO, weight: 70 },
    { subject: HELLO_V2, weight: 30 },
  ],
}

// A small max_payload, so a large call's params and results travel in several inbox messages.
const t = useTestLattice({ extraConfig: 'max_payload: 4096' })
let sys: Connection
let caller: EmulatedCaller
let hello: ServedComponent
let helloV2: ServedComponent
let version = ''

/** The version the server under test reports (INFO), at least `min`? */
function atLeast(min: string): boolean {
  const v = parseVersion(version) as number[]
  const m = parseVersion(min) as number[]
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i]
  return true
}

beforeAll(async () => {
  sys = await t.connect(t.l.sysCredsFile)
  const hostConn = await t.connect()
  version = hostConn.info?.version ?? ''
  const host = new EmulatedHost(hostConn)
  t.track('host', () => host.close())
  hello = await host.serve('hello', { lattice: LATTICE })
  helloV2 = await host.serve('hello-v2', { lattice: LATTICE })
  caller = new EmulatedCaller(await t.connect(), { lattice: LATTICE, sourceId: 'frontend' })
  t.track('traffic', async () => caller.close())
})

const push = mappingPusher(
  () => t.l,
  () => sys,
)

/** Installed destinations of SOURCE as "subject=weight", the remainder left on the source included. */
function shares(installed: Record<string, { subject: string; weight?: number; cluster?: string }[]>): string[] {
  return installedShares(installed[SOURCE] ?? [])
    .map((d) => `${d.subject}=${d.weight}`)
    .sort()
}

const pct = (n: number | undefined, total: number) => (100 * (n ?? 0)) / total

describe('wRPC component mappings (issue #17)', () => {
  it('without a mapping, calls reach the component the caller names, over the reference flow', async () => {
    await push({})
    const tally = await caller.invokeMany('hello', 200)
    expect(tally).toMatchObject({ total: 200, errors: 0, noResponders: 0, timeouts: 0, answered: { hello: 200 } })
    // The caller's wasmCloud headers reach the host unchanged.
    expect(hello.lastHeaders?.get('source-id')).toBe('frontend')
    expect(hello.lastHeaders?.get('link-name')).toBe('default')
    // Nobody serves this ID: the server's 503 on the reply inbox.
    expect(await caller.invoke('nobody')).toEqual({ ok: false, error: 'no responders' })
  })

  it(
    'servers older than 2.9.22 refuse the push (a > destination); the previous mappings stay',
    skipIf(skips.serverAtLeast('2.9.22')),
    async () => {
      expect(atLeast('2.9.22'), `the server says ${version}`).toBe(false)
      const { reply, installed } = await push(SPLIT)
      expect(reply.ok, reply.message).toBe(false)
      expect(reply.code).toBe(500)
      // 2.9.10: 'jwt validation failed - validation errors: [Subject "default.hello.wrpc.>" in weighted mapping "default.hello.wrpc.>" is not allowed to contains wildcard ...]'
      expect(reply.message).toMatch(/is not allowed to contains? wildcard/)
      expect(installed[SOURCE]).toBeUndefined()
      const tally = await caller.invokeMany('hello', 100)
      expect(tally.answered).toEqual({ hello: 100 })
    },
  )

  // skipIf needs its answer before beforeAll: the binary's version here, INFO's asserted inside.
  describe('on 2.9.22 and newer', skipIf(skips.serverOlderThan('2.9.22')), () => {
    it('hello -> hello 70 / hello-v2 30 is accepted and installed (ACCOUNTZ)', async () => {
      expect(atLeast('2.9.22'), `the server says ${version}`).toBe(true)
      const { reply, installed } = await push(SPLIT)
      expect(reply, reply.message).toMatchObject({ ok: true, code: 200 })
      expect(shares(installed)).toEqual([`${HELLO}=70`, `${HELLO_V2}=30`].sort())
    })

    it('the split measured over 2000 invocations is 70/30 within 4 points; the source as its own destination does not loop', async () => {
      const tally = await caller.invokeMany('hello', 2000)
      expect(tally, JSON.stringify(tally)).toMatchObject({ total: 2000, errors: 0, noResponders: 0, timeouts: 0 })
      expect((tally.answered.hello ?? 0) + (tally.answered['hello-v2'] ?? 0)).toBe(2000)
      // Re-mapped again, hello would keep 70% of 70% (49%).
      expect(Math.abs(pct(tally.answered.hello, 2000) - 70), JSON.stringify(tally.answered)).toBeLessThanOrEqual(4)
      expect(Math.abs(pct(tally.answered['hello-v2'], 2000) - 30), JSON.stringify(tally.answered)).toBeLessThanOrEqual(
        4,
      )
      // Calls addressed to hello-v2 itself are not mapped.
      expect((await caller.invokeMany('hello-v2', 200)).answered).toEqual({ 'hello-v2': 200 })
    })

    it("an invocation's later messages (params, results over inboxes) are untouched by the mapping", async () => {
      const name = 'x'.repeat(20_000) // several 4 KB messages each way
      const before = { hello: hello.paramMessages, v2: helloV2.paramMessages }
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => caller.invoke('hello', name)))
      for (const o of outcomes) expect(o).toMatchObject({ ok: true, text: `hello ${name}` })
      const after = hello.paramMessages - before.hello + (helloV2.paramMessages - before.v2)
      // The first ~3.8 KB ride on the invocation; the other ~16 KB come over the host's inbox (4+ messages a call).
      expect(after).toBeGreaterThanOrEqual(20 * 4)
      for (const o of outcomes) expect(['hello', 'hello-v2']).toContain(o.answeredBy)
    })

    it('a 100% swap sends every call to hello-v2', async () => {
      const { reply, installed } = await push({ [SOURCE]: [{ subject: HELLO_V2, weight: 100 }] })
      expect(reply.ok, reply.message).toBe(true)
      expect(shares(installed)).toEqual([`${HELLO_V2}=100`])
      const tally = await caller.invokeMany('hello', 500)
      expect(tally).toMatchObject({ total: 500, errors: 0, noResponders: 0, answered: { 'hello-v2': 500 } })
    })

    it("the drop destination's share gets no responders; the rest is served", async () => {
      const { reply, installed } = await push({
        [SOURCE]: [
          { subject: HELLO, weight: 50 },
          { subject: DROP, weight: 50 },
        ],
      })
      expect(reply.ok, reply.message).toBe(true)
      expect(shares(installed)).toEqual([`${DROP}=50`, `${HELLO}=50`].sort())
      const tally = await caller.invokeMany('hello', 2000)
      expect(tally.errors + tally.timeouts, JSON.stringify(tally)).toBe(0)
      expect(tally.noResponders + (tally.answered.hello ?? 0)).toBe(2000)
      expect(Math.abs(pct(tally.noResponders, 2000) - 50), JSON.stringify(tally)).toBeLessThanOrEqual(4)
    })

    it('removing the mapping sends every call back to hello', async () => {
      const { reply, installed } = await push({})
      expect(reply.ok).toBe(true)
      expect(installed[SOURCE]).toBeUndefined()
      expect((await caller.invokeMany('hello', 200)).answered).toEqual({ hello: 200 })
    })
  })
})
