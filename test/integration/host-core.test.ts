/** host-core against a real server: dual subscriptions, mappings, control interface, drain. */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { HostError, type InventoryEntry } from '../../src/host-core/index.js'
import { shift } from '../../src/ops/shift.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { callMany as callManyOn } from '../helpers/traffic.js'

const t = useTestLattice()
let client: NatsConnection
beforeAll(async () => {
  client = await t.connect()
})

const echoVersion = (_req: unknown, ctx: { version: string }) => ctx.version

async function pushWeights(actor: string, to: string, weight: number, from?: string) {
  await t.withSession((s) => shift(s, { entity: { kind: 'actor', id: actor }, to, weight, from }, { dryRun: false }))
}

const callMany = async (subject: string, n: number) => (await callManyOn(client, subject, n)).bodies

describe('host-core', () => {
  it('serves v1 and v2 from two hosts; mappings then steer the traffic', async () => {
    const actor = newActorId()
    const a = await t.host('host-a')
    const b = await t.host('host-b')
    await a.startActor({ id: actor, version: 'v1', count: 2, handler: echoVersion })
    await b.startActor({ id: actor, version: 'v2', count: 2, handler: echoVersion })
    const subject = `wasmbus.rpc.default.${actor}`

    let counts = await callMany(subject, 1000)
    expect(counts.v1).toBeGreaterThan(300) // no mapping: balanced over every instance of both versions
    expect(counts.v2).toBeGreaterThan(300)

    await pushWeights(actor, 'v2', 100)
    counts = await callMany(subject, 500)
    expect(counts).toEqual({ v2: 500 })

    await pushWeights(actor, 'v1', 70, 'v2')
    counts = await callMany(subject, 4000)
    expect(Math.abs((counts.v1 / 4000) * 100 - 70)).toBeLessThanOrEqual(2.5)
  })

  it('tells the handler which subject and version served the call', async () => {
    const provider = newProviderId()
    const h = await t.host('host-ctx')
    await h.startProvider({ id: provider, link: 'db', version: '0.4.0', handler: (_r, ctx) => JSON.stringify(ctx) })
    const direct = JSON.parse((await client.request(`wasmbus.rpc.default.${provider}.db.MC40LjA`)).string())
    expect(direct).toMatchObject({
      version: '0.4.0',
      versioned: true,
      subject: `wasmbus.rpc.default.${provider}.db.MC40LjA`,
      hostId: 'host-ctx',
    })
    const plain = JSON.parse((await client.request(`wasmbus.rpc.default.${provider}.db`)).string())
    expect(plain).toMatchObject({
      version: '0.4.0',
      versioned: false,
      entity: { kind: 'provider', id: provider, link: 'db' },
    })
  })

  it('rejects stop and scale without a version when several run, listing them', async () => {
    const actor = newActorId()
    const h = await t.host('host-amb')
    await h.startActor({ id: actor, version: '1.0.0', handler: echoVersion })
    await h.startActor({ id: actor, version: '2.0.0', count: 2, handler: echoVersion })
    const err = await h.stopActor(actor).catch((e) => e)
    expect(err).toBeInstanceOf(HostError)
    expect(err.code).toBe('AMBIGUOUS_VERSION')
    expect(err.message).toMatch(/1\.0\.0, 2\.0\.0/)
    await expect(h.scaleActor(actor, 3)).rejects.toMatchObject({ code: 'AMBIGUOUS_VERSION' })
    await h.stopActor(actor, { version: '1.0.0' })
    const scaled = await h.scaleActor(actor, 4) // one version left: no version needed
    expect(scaled).toMatchObject({ version: '2.0.0', count: 4 })
    expect(h.inventory()).toEqual([
      {
        kind: 'actor',
        id: actor,
        version: '2.0.0',
        count: 4,
        subjects: [`wasmbus.rpc.default.${actor}`, `wasmbus.rpc.default.${actor}.Mi4wLjA`],
      },
    ])
    await expect(h.stopActor(newActorId())).rejects.toMatchObject({ code: 'NOT_RUNNING' })
  })

  it('caches claims and binaries by (id, version)', async () => {
    const actor = newActorId()
    const loads: string[] = []
    const loader = {
      load: async (ref: { id: string; version: string }) => {
        loads.push(ref.version)
        return { claims: { version: ref.version }, binary: new TextEncoder().encode(`wasm-${ref.version}`) }
      },
    }
    const h = await t.host('host-cache', { loader })
    await h.startActor({ id: actor, version: 'v1', handler: echoVersion })
    await h.startActor({ id: actor, version: 'v2', handler: echoVersion })
    await h.startActor({ id: actor, version: 'v1', handler: echoVersion })
    await h.scaleActor(actor, 3, { version: 'v2' })
    expect(loads.sort()).toEqual(['v1', 'v2'])
    expect(new TextDecoder().decode((await h.artifact('actor', actor, 'v1'))?.binary)).toBe('wasm-v1')
    expect(new TextDecoder().decode((await h.artifact('actor', actor, 'v2'))?.binary)).toBe('wasm-v2')
    expect(h.inventory().map((e) => [e.version, e.count])).toEqual([
      ['v1', 2],
      ['v2', 3],
    ])
  })

  it('answers a throwing handler with an error and keeps serving', async () => {
    const actor = newActorId()
    const h = await t.host('host-err')
    let calls = 0
    await h.startActor({
      id: actor,
      version: 'v1',
      handler: (req) => {
        calls++
        if (req.string() === 'boom') throw new Error('exploded\nbadly')
        return 'ok'
      },
    })
    const bad = await client.request(`wasmbus.rpc.default.${actor}`, 'boom')
    expect(bad.headers?.get('Nats-Service-Error')).toBe('exploded badly')
    expect(bad.headers?.get('Nats-Service-Error-Code')).toBe('500')
    const asyncBad = await t.host('host-err2')
    const other = newActorId()
    await asyncBad.startActor({
      id: other,
      version: 'v1',
      handler: async () => {
        throw new Error('async fail')
      },
    })
    expect((await client.request(`wasmbus.rpc.default.${other}`)).headers?.get('Nats-Service-Error')).toBe('async fail')
    expect((await client.request(`wasmbus.rpc.default.${actor}`, 'fine')).string()).toBe('ok')
    expect(calls).toBe(2)
    // A handler returning something it cannot send still answers, with an error.
    const wrong = newActorId()
    await asyncBad.startActor({ id: wrong, version: 'v1', handler: (() => 42) as unknown as () => string })
    expect((await client.request(`wasmbus.rpc.default.${wrong}`)).headers?.get('Nats-Service-Error')).toBe(
      'the handler returned number; return a string, a Uint8Array or nothing',
    )
    client.publish(`wasmbus.rpc.default.${wrong}`) // one-way: nothing to answer
    await client.flush()
    while (asyncBad.stats().received < 3) await new Promise((r) => setTimeout(r, 5))
    expect(asyncBad.stats()).toEqual({ received: 3, answered: 2, oneWay: 1, replyFailed: 0, inFlight: 0 })
  })

  it('close() answers every request already delivered', async () => {
    const actor = newActorId()
    const h = await t.host('host-drain')
    let started = 0
    await h.startActor({
      id: actor,
      version: 'v1',
      count: 2,
      handler: async () => {
        started++
        await new Promise((r) => setTimeout(r, 300))
        return 'done'
      },
    })
    const pending = Array.from({ length: 50 }, () =>
      client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 }).then((m) => m.string()),
    )
    while (started < 50) await new Promise((r) => setTimeout(r, 5))
    await h.close()
    expect(await Promise.all(pending)).toEqual(Array(50).fill('done'))
    await expect(client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 500 })).rejects.toThrow() // nobody serves now
  })
})

describe('control interface', () => {
  const ctl = async (subject: string, body: unknown) =>
    JSON.parse(
      (
        await client.request(subject, typeof body === 'string' ? body : JSON.stringify(body), { timeout: 3000 })
      ).string(),
    )

  it('round trips start, scale, stop, inventory and ping', async () => {
    const actor = newActorId()
    const made: string[] = []
    const h = await t.host('host-ctl', {
      handlerFactory: (ref) => {
        made.push(ref.version)
        return () => `from ${ref.version}`
      },
    })
    await t.host('host-other')

    let r = await ctl('wasmbus.ctl.default.cmd.host-ctl.start', { id: actor, version: '1.0.0', count: 2 })
    expect(r).toMatchObject({ accepted: true, inventory: { id: actor, version: '1.0.0', count: 2 } })
    expect((await client.request(`wasmbus.rpc.default.${actor}`)).string()).toBe('from 1.0.0')
    r = await ctl('wasmbus.ctl.default.cmd.host-ctl.start', { id: actor, version: '1.1.0' })
    expect(r.accepted).toBe(true)

    r = await ctl('wasmbus.ctl.default.cmd.host-ctl.scale', { id: actor, count: 5 })
    expect(r).toMatchObject({ accepted: false, code: 'AMBIGUOUS_VERSION', versions: ['1.0.0', '1.1.0'] })
    r = await ctl('wasmbus.ctl.default.cmd.host-ctl.scale', { id: actor, version: '1.1.0', count: 3 })
    expect(r).toMatchObject({ accepted: true, inventory: { version: '1.1.0', count: 3 } })

    const inv = await ctl('wasmbus.ctl.default.get.host-ctl.inv', '')
    expect(inv.accepted).toBe(true)
    expect(inv.entities.map((e: InventoryEntry) => [e.version, e.count])).toEqual([
      ['1.0.0', 2],
      ['1.1.0', 3],
    ])

    r = await ctl('wasmbus.ctl.default.cmd.host-ctl.stop', { id: actor, version: '1.0.0' })
    expect(r).toMatchObject({ accepted: true, stopped: { version: '1.0.0', count: 0 } })
    expect(h.inventory()).toHaveLength(1)
    expect(made).toEqual(['1.0.0', '1.1.0'])

    const pings: string[] = []
    for await (const m of await client.requestMany('wasmbus.ctl.default.ping.hosts', '', { maxWait: 500 }))
      pings.push(JSON.parse(m.string()).hostId)
    expect(pings.sort()).toEqual(['host-ctl', 'host-other'])
  })

  it('answers bad requests with an error, never with silence', async () => {
    await t.host('host-bad')
    const cases: [string, unknown, RegExp][] = [
      ['start', '{not json', /not valid JSON/],
      ['start', '[1,2]', /JSON object/],
      ['start', { id: newActorId() }, /version/],
      ['start', { id: newActorId(), version: 'v1' }, /no handler factory/],
      ['scale', { id: newActorId(), version: 'v1' }, /count/],
      ['stop', { id: 'not-a-key' }, /Invalid actor ID|No version/],
      ['stop', { version: 'v1' }, /"id" is required/],
      ['scale', { id: newActorId(), count: 'many' }, /"count" must be a number/],
    ]
    for (const [cmd, body, error] of cases) {
      const r = await ctl(`wasmbus.ctl.default.cmd.host-bad.${cmd}`, body)
      expect(r.accepted, JSON.stringify(body)).toBe(false)
      expect(r.error).toMatch(error)
    }
  })
})
