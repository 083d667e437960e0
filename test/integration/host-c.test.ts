/**
 * A host written in C (examples/host-c, libnats) from the host protocol alone, in one lattice
 * with a host-core host: lattice steers traffic between them, the control interface answers as
 * host-core's does, failures carry the NATS service-error headers. Needs libnats-dev: without it
 * this file fails with the install hint (scripts/ensure-libnats.js installs it for npm test), or,
 * with LATTICE_NO_INSTALL set, is skipped (test/helpers/skips.ts).
 */
import { type NatsConnection, createInbox } from 'nats'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'
import { Host } from '../../src/host-core/index.js'
import { versionToken } from '../../src/subjects/index.js'
import { type CHost, buildCHost, startCHost } from '../helpers/c-host.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { callMany as callManyOn } from '../helpers/traffic.js'

const t = useTestLattice()
let client: NatsConnection
let bin: string
const cHosts: CHost[] = []

beforeAll(async () => {
  bin = await buildCHost()
  client = await t.connect()
}, 180_000)
afterEach(async () => {
  const codes = await Promise.all(cHosts.splice(0).map((h) => h.stop()))
  // SIGTERM is a clean stop: everything drained, exit 0.
  for (const c of codes) expect(c).toBe(0)
})

async function cHost(args: string[], binary = bin): Promise<CHost> {
  const h = await startCHost(binary, ['--servers', t.l.url, '--creds', t.l.appCredsFile, '--lattice', 'default', ...args])
  cHosts.push(h)
  return h
}

async function coreHost(hostId: string, actor: string, version: string): Promise<Host> {
  const host = await t.host(hostId, { servers: t.l.url, creds: t.l.appCredsFile, logger: false, metrics: false })
  await host.startActor({ id: actor, version, handler: (_m, ctx) => ctx.version })
  return host
}

const callMany = async (subject: string, n: number) => (await callManyOn(client, subject, n, { concurrency: 50, timeoutMs: 10_000 })).bodies

async function control(subject: string, body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const r = await client.request(subject, new TextEncoder().encode(JSON.stringify(body)), { timeout: 10_000 })
  return r.json()
}

/** Replies to one message published on `subject` (more than one: two queue groups got it). */
async function repliesTo(subject: string, expected: number): Promise<number> {
  const inbox = createInbox()
  let n = 0
  const sub = client.subscribe(inbox, { callback: () => n++ })
  await client.flush()
  client.publish(subject, undefined, { reply: inbox })
  await client.flush()
  // Wait for the expected replies (a loaded box may be slow), then a little longer for extra ones.
  const until = Date.now() + 10_000
  while (n < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 500))
  sub.unsubscribe()
  return n
}

describe('C host (libnats)', skipIf(skips.noLibnats()), () => {
  it('serves v2 beside a host-core v1: lattice shift steers 30% then 100% to it', async () => {
    const actor = newActorId()
    await coreHost('core-a', actor, 'v1')
    const c = await cHost(['--host-id', 'c-b', '--actor', actor, '--version', 'v2', '--count', '2', '--reply', 'v2'])
    expect(c.readyLine).toMatch(/^host-c ready: host c-b lattice default; actor \S+ version v2 x2/)
    const subject = `wasmbus.rpc.default.${actor}`

    // No --force: the readiness gate must see subscribers on both versioned subjects (one from C).
    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.l.env())
    expect(shift.code, shift.stderr).toBe(0)
    const n = 4000
    const counts = await callMany(subject, n)
    expect(counts.v1 + counts.v2).toBe(n)
    expect(Math.abs((100 * counts.v2) / n - 30)).toBeLessThanOrEqual(3)

    const all = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '100'], t.l.env())
    expect(all.code, all.stderr).toBe(0)
    expect(await callMany(subject, 500)).toEqual({ v2: 500 })
  })

  it('answers inventory, scale, stop, start and ambiguity as the protocol says', async () => {
    const actor = newActorId()
    const weird = 'rc~~~' // its token has a '-': base64url, not base64
    await cHost(['--host-id', 'c-inv', '--actor', actor, '--version', 'v1', '--actor', actor, '--version', weird, '--count', '2'])
    const u = `wasmbus.rpc.default.${actor}`
    expect(versionToken(weird)).toBe('cmN-fn4')
    const inv = await control('wasmbus.ctl.default.get.c-inv.inv')
    expect(inv).toEqual({
      accepted: true,
      hostId: 'c-inv',
      lattice: 'default',
      entities: [
        { kind: 'actor', id: actor, version: 'v1', count: 1, subjects: [u, `${u}.${versionToken('v1')}`] },
        { kind: 'actor', id: actor, version: weird, count: 2, subjects: [u, `${u}.${versionToken(weird)}`] },
      ],
    })
    // Each versioned subject reaches its version.
    expect((await client.request(`${u}.${versionToken(weird)}`, undefined, { timeout: 5000 })).string()).toBe(weird)
    expect((await client.request(`${u}.djE`, undefined, { timeout: 5000 })).string()).toBe('v1')

    const cmd = (c: string) => `wasmbus.ctl.default.cmd.c-inv.${c}`
    const ambiguous = await control(cmd('stop'), { kind: 'actor', id: actor })
    expect(ambiguous).toMatchObject({ accepted: false, code: 'AMBIGUOUS_VERSION', versions: ['v1', weird] })
    expect(ambiguous.error).toMatch(/several versions/i)
    expect(await control(cmd('scale'), { id: actor, count: 3 })).toMatchObject({ accepted: false, code: 'AMBIGUOUS_VERSION' })
    expect(await control(cmd('stop'), { kind: 'actor', id: newActorId() })).toMatchObject({ accepted: false, code: 'NOT_RUNNING' })
    expect(await control(cmd('stop'), { id: actor, version: 'v9' })).toMatchObject({ accepted: false, code: 'NOT_RUNNING', versions: ['v1', weird] })
    expect(await control(cmd('start'), { id: actor, version: 'v3' })).toMatchObject({ accepted: false, code: 'NO_HANDLER' })
    expect(await control(cmd('scale'), { id: actor, version: 'v1' })).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 1.5 })).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 65 })).toMatchObject({ accepted: false, code: 'INVALID_REQUEST', error: expect.stringMatching(/0 to 64/) })
    const notJson = await client.request(cmd('stop'), new TextEncoder().encode('{"id": '), { timeout: 5000 })
    expect(notJson.json()).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })

    const raw = async (c: string, body: string) => (await client.request(cmd(c), new TextEncoder().encode(body), { timeout: 5000 })).json<Record<string, unknown>>()
    expect(await raw('scale', `{"id":"${actor}","version":"v1","count":2,"extra":{"nested":1}}`)).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })
    expect(await raw('scale', `{"id":"${actor}","version":7,"count":2}`)).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })
    // JSON escapes are decoded ("\u0076\u0031" is "v1"), whitespace and unknown fields are fine.
    expect(await raw('scale', ` { "id" : "${actor}", "version": "\\u0076\\u0031", "count": 2, "note": "a \\"quoted\\" \\ud83d\\ude00", "dry": false } `)).toMatchObject({
      accepted: true,
      inventory: { version: 'v1', count: 2 },
    })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 3 })).toEqual({
      accepted: true,
      inventory: { kind: 'actor', id: actor, version: 'v1', count: 3, subjects: [u, `${u}.djE`] },
    })
    expect(await control(cmd('stop'), { kind: 'actor', id: actor, version: weird })).toMatchObject({ accepted: true, stopped: { version: weird, count: 0 } })
    const after = await control('wasmbus.ctl.default.get.c-inv.inv')
    expect(after.entities).toEqual([{ kind: 'actor', id: actor, version: 'v1', count: 3, subjects: [u, `${u}.djE`] }])
    // The stopped version no longer answers; with one version left, no version is needed.
    await expect(client.request(`${u}.${versionToken(weird)}`, undefined, { timeout: 5000 })).rejects.toThrow(/503|no responders/i)
    expect(await control(cmd('stop'), { id: actor })).toMatchObject({ accepted: true, stopped: { version: 'v1', count: 0 } })
    expect((await control('wasmbus.ctl.default.get.c-inv.inv')).entities).toEqual([])
    const ping = await client.request('wasmbus.ctl.default.ping.hosts', undefined, { timeout: 5000 })
    expect(ping.json()).toMatchObject({ hostId: 'c-inv', lattice: 'default', entities: 0 })
  })

  it('answers a failed call with Nats-Service-Error headers and an empty body', async () => {
    const actor = newActorId()
    await cHost(['--host-id', 'c-fail', '--actor', actor, '--version', 'v2', '--fail-every', '3'])
    const results = []
    for (let i = 0; i < 6; i++) results.push(await client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 }))
    const failed = results.filter((r) => r.headers?.get('Nats-Service-Error'))
    expect(failed).toHaveLength(2)
    for (const r of failed) {
      expect(r.headers!.get('Nats-Service-Error-Code')).toBe('500')
      expect(r.headers!.get('Nats-Service-Error')).toMatch(/injected failure/)
      expect(r.data.length).toBe(0)
    }
    expect(results.filter((r) => !r.headers).map((r) => r.string())).toEqual(['v2', 'v2', 'v2', 'v2'])
  })

  it('drains on stop: calls already delivered are answered', async () => {
    const actor = newActorId()
    // One instance taking 100 ms a call: the calls queue up in the host when the stop arrives.
    await cHost(['--host-id', 'c-drain', '--actor', actor, '--version', 'v1', '--delay-ms', '100'])
    const calls = Array.from({ length: 20 }, () => client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 20_000 }).then((m) => m.string(), (e: Error) => e.message))
    // Published after the calls on the same connection: the host gets them first.
    const stopped = await control('wasmbus.ctl.default.cmd.c-drain.stop', { id: actor })
    expect(stopped).toMatchObject({ accepted: true, stopped: { count: 0 } })
    expect(await Promise.all(calls)).toEqual(Array(20).fill('v1'))
    await expect(client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 })).rejects.toThrow(/503|no responders/i)
  })

  it('refuses a version that is not ASCII, saying why', async () => {
    await expect(startCHost(bin, ['--servers', t.l.url, '--creds', t.l.appCredsFile, '--actor', newActorId(), '--version', 'caf\u00e9'])).rejects.toThrow(/not ASCII.*NFC/)
  })

  it('the broken builds are observably broken (for host checks)', async () => {
    const noVersioned = await buildCHost('BROKEN_NO_VERSIONED')
    const wrongQueue = await buildCHost('BROKEN_QUEUE')
    const a1 = newActorId()
    await cHost(['--host-id', 'c-nov', '--actor', a1, '--version', 'v2'], noVersioned)
    expect((await client.request(`wasmbus.rpc.default.${a1}`, undefined, { timeout: 5000 })).string()).toBe('v2')
    await expect(client.request(`wasmbus.rpc.default.${a1}.djI`, undefined, { timeout: 5000 })).rejects.toThrow(/503|no responders/i)

    // Beside a host-core v1 in the actor's queue group: the right build shares the group
    // (one reply per call), the broken one has its own (every call answered twice).
    const a2 = newActorId()
    await coreHost('core-q', a2, 'v1')
    await cHost(['--host-id', 'c-q', '--actor', a2, '--version', 'v2'], wrongQueue)
    expect(await repliesTo(`wasmbus.rpc.default.${a2}`, 2)).toBe(2)
    const a3 = newActorId()
    await coreHost('core-ok', a3, 'v1')
    await cHost(['--host-id', 'c-ok', '--actor', a3, '--version', 'v2'])
    expect(await repliesTo(`wasmbus.rpc.default.${a3}`, 1)).toBe(1)
  })

  it('passes `lattice host check` (the ambiguity and drain checks too); each broken build fails, naming its requirement', async () => {
    type Req = { id: string; level: string; outcome: string; observed: string }
    const check = async (args: string[]) => {
      const r = await lattice(['host', 'check', ...args, '--json'], { ...t.l.env(), LATTICE_APP_CREDS: t.l.appCredsFile })
      const out = json<{ requirements?: Req[]; error?: { code: string; details: { result: { requirements: Req[] } } } }>(r)
      return { code: r.code, error: out.error?.code, req: Object.fromEntries((out.requirements ?? out.error?.details.result.requirements ?? []).map((x) => [x.id, x])) }
    }
    const a = newActorId()
    await cHost(['--host-id', 'c-check', '--actor', a, '--version', 'v1', '--actor', a, '--version', 'v2', '--count', '2'])
    const ok = await check(['actor', a, '--version', 'v2', '--host', 'c-check', '--stop'])
    expect(ok.code, JSON.stringify(ok.req)).toBe(0)
    for (const id of ['HP-SUBJECTS', 'HP-QUEUE', 'HP-ANSWER', 'HP-ONLY-OWN', 'HP-INVENTORY', 'HP-AMBIGUOUS', 'HP-DRAIN']) expect(ok.req[id]?.outcome, `${id}: ${ok.req[id]?.observed}`).toBe('pass')
    // The C host publishes no metrics: a SHOULD, reported, not a failure of the check.
    expect(ok.req['HP-METRICS']).toMatchObject({ level: 'SHOULD' })
    expect(ok.req['HP-METRICS'].outcome).not.toBe('pass')

    for (const [variant, requirement] of [['BROKEN_NO_VERSIONED', 'HP-SUBJECTS'], ['BROKEN_QUEUE', 'HP-QUEUE']] as const) {
      const id = newActorId()
      const hostId = `c-${variant.toLowerCase().replace(/_/g, '-')}`
      await cHost(['--host-id', hostId, '--actor', id, '--version', 'v2'], await buildCHost(variant))
      const bad = await check(['actor', id, '--version', 'v2', '--host', hostId])
      expect(bad.code, variant).toBe(11)
      expect(bad.error).toBe('HOST_NONCONFORMANT')
      expect(bad.req[requirement]?.outcome, `${variant}: ${JSON.stringify(bad.req[requirement])}`).toBe('fail')
    }
  }, 180_000)
})
