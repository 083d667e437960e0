/**
 * `lattice host check` against real hosts: host-core passes every MUST; hosts written here with
 * plain nats.js that break one requirement fail with it named; the account JWT is untouched.
 */
import type { Msg } from 'nats'
import { describe, expect, it } from 'vitest'
import { entityQueueGroup, inventorySubject, unversionedSubject, versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { startTestLattice, useTestLattice } from '../helpers/test-lattice.js'

interface Requirement {
  id: string
  level: string
  outcome: string
  observed: string
}
interface CheckJson {
  conformant: boolean
  requirements: Requirement[]
}

const t = useTestLattice({ appCreds: true })
const conn = () => t.connect()
const newHost = (hostId: string) => t.host(hostId, { metrics: { intervalMs: 250 } })

const slowEcho = async (_req: unknown, ctx: { version: string }) => {
  await new Promise((r) => setTimeout(r, 30))
  return ctx.version
}

function check(args: string[]) {
  return lattice(['host', 'check', ...args], t.env())
}

const byId = (rs: Requirement[]) => Object.fromEntries(rs.map((r) => [r.id, r]))

/** The result of a check, from --json (a failed one sits in the error's details). */
function resultOf(r: { stdout: string; stderr: string; code: number }): CheckJson {
  const out = json<CheckJson & { error?: { code: string; details: { result: CheckJson } } }>(r)
  return out.error ? ({ ...out.error.details.result, error: out.error.code } as CheckJson) : out
}

describe('lattice host check', () => {
  it('host-core passes every MUST; the drain check stops the version cleanly; the JWT is untouched', async () => {
    const actor = newActorId()
    const host = await newHost('host-ok')
    await host.startActor({ id: actor, version: 'v2', count: 2, handler: slowEcho })
    const before = await liveJwt(t.l)

    const text = await check(['actor', actor, '--version', 'v2', '--host', 'host-ok'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^MUST\s+HP-QUEUE\s+pass\s+all 4 subscriptions in queue group/m)
    expect(text.stdout).toMatch(/^MUST\s+HP-AMBIGUOUS\s+skipped\s+skipped: needs two versions/m)
    expect(text.stdout).toMatch(/^MUST\s+HP-DRAIN\s+skipped\s+skipped \(pass --stop/m)
    expect(text.stdout).toContain('conformant: every MUST passed')

    const r = await check([
      'actor',
      actor,
      '--version',
      'v2',
      '--host',
      'host-ok',
      '--stop',
      '--requests',
      '50',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const res = byId(resultOf(r).requirements)
    for (const id of ['HP-SUBJECTS', 'HP-QUEUE', 'HP-ANSWER', 'HP-ONLY-OWN', 'HP-INVENTORY', 'HP-DRAIN'])
      expect(res[id].outcome, `${id}: ${res[id].observed}`).toBe('pass')
    expect(res['HP-METRICS'].outcome).toBe('pass')
    expect(res['HP-DRAIN'].observed).toMatch(/^50\/50 requests sent just before the stop answered; stop accepted/)
    expect(host.inventory().filter((e) => e.count > 0)).toEqual([])
    expect(host.stats().inFlight).toBe(0)
    expect(await liveJwt(t.l)).toBe(before)
  }, 60_000)

  it('with two versions on the host the ambiguity check runs and passes, changing nothing', async () => {
    const provider = newProviderId()
    const host = await newHost('host-two')
    await host.startProvider({ id: provider, link: 'db', version: 'v1', count: 1, handler: slowEcho })
    await host.startProvider({ id: provider, link: 'db', version: 'v2', count: 3, handler: slowEcho })
    const r = await check(['provider', provider, '--link', 'db', '--version', 'v2', '--host', 'host-two', '--json'])
    expect(r.code, r.stdout).toBe(0)
    const res = byId(resultOf(r).requirements)
    expect(res['HP-AMBIGUOUS']).toMatchObject({
      outcome: 'pass',
      observed: expect.stringContaining('AMBIGUOUS_VERSION [v1, v2]'),
    })
    expect(res['HP-ONLY-OWN'].outcome).toBe('pass')
    expect(host.inventory().map((e) => [e.version, e.count])).toEqual([
      ['v1', 1],
      ['v2', 3],
    ])
  }, 60_000)

  it('in a cluster: the host on another server than the CLI is found and passes', async () => {
    const cluster = await startTestLattice({ nodes: 3, appCreds: true })
    try {
      const c = cluster.l
      const nc = await cluster.connect(c.appCredsFile, c.nodes[2].clientUrl)
      const host = await cluster.host('host-far', { nc, metrics: { intervalMs: 250 } })
      const actor = newActorId()
      await host.startActor({ id: actor, version: '1.2.0', count: 1, handler: slowEcho })
      const r = await lattice(
        ['host', 'check', 'actor', actor, '--version', '1.2.0', '--host', 'host-far', '--json'],
        cluster.env({ NATS_URL: c.nodes[0].clientUrl }),
      )
      expect(r.code, r.stdout).toBe(0)
      const out = json<CheckJson & { connections: { server: string }[] }>(r)
      expect(out.connections.map((x) => x.server)).toEqual([c.nodes[2].name])
      expect(out.requirements.filter((q) => q.outcome === 'fail')).toEqual([])
    } finally {
      await cluster.stop()
    }
  }, 90_000)

  it('bad input is refused before anything is sent', async () => {
    const actor = newActorId()
    const noApp = await lattice(
      ['host', 'check', 'actor', actor, '--version', 'v1', '--host', 'h', '--json'],
      t.l.env(),
    )
    expect(noApp.code).toBe(3)
    expect(json<{ error: { code: string } }>(noApp).error.code).toBe('NO_APP_CREDS')
    const badHost = await check(['actor', actor, '--version', 'v1', '--host', 'a.b'])
    expect(badHost.code).toBe(3)
    expect(badHost.stderr).toContain('Invalid --host "a.b"')
    const badKind = await check(['provider', actor, '--version', 'v1', '--host', 'h'])
    expect(badKind.code).toBe(3)
    expect(badKind.stderr).toContain('INVALID_PROVIDER_ID')
  }, 60_000)

  describe('a broken host (plain nats.js) fails with the requirement named', () => {
    /** A minimal host: control subjects, and the RPC subscriptions `subscribe` makes. */
    interface Broken {
      versioned?: boolean
      queue?: string
      inventory?: boolean
      /** Subscribe to this other version's subject too. */
      foreign?: string
      /** Also run v0 (subscribed and listed), and accept a scale without a version. */
      acceptAmbiguous?: boolean
      /** Answer after 100 ms, and on stop drop whatever is not answered yet (unsubscribe, not drain). */
      dropOnStop?: boolean
    }

    /** A minimal host of one actor: its RPC subscriptions, inventory and control subjects, each breakable. */
    async function brokenHost(hostId: string, actor: string, version: string, opts: Broken) {
      const nc = await conn()
      const entity = { kind: 'actor' as const, id: actor }
      const unv = unversionedSubject('default', entity)
      const sub = (v: string) => versionedSubject('default', entity, v)
      const encode = (x: unknown) => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x))
      let stopped = false
      const respond = (m: Msg) => {
        if (!opts.dropOnStop) return m.respond(encode(version))
        setTimeout(() => stopped || m.respond(encode(version)), 100)
      }
      const queue = opts.queue ?? entityQueueGroup(entity)
      const rpc = [nc.subscribe(unv, { queue, callback: (_e, m) => respond(m) })]
      if (opts.versioned !== false) rpc.push(nc.subscribe(sub(version), { queue, callback: (_e, m) => respond(m) }))
      for (const v of [opts.foreign, opts.acceptAmbiguous ? 'v0' : undefined])
        if (v) rpc.push(nc.subscribe(sub(v), { queue, callback: (_e, m) => respond(m) }))
      nc.subscribe(`wasmbus.ctl.default.cmd.${hostId}.*`, {
        callback: (_e, m) => {
          const cmd = m.subject.split('.').at(-1)
          if (cmd === 'stop' && opts.dropOnStop) {
            stopped = true
            for (const s of rpc) s.unsubscribe()
            return m.respond(encode({ accepted: true, stopped: [] }))
          }
          m.respond(
            encode(
              cmd === 'scale' && opts.acceptAmbiguous
                ? { accepted: true, inventory: {} }
                : { accepted: false, code: 'UNSUPPORTED', error: 'no' },
            ),
          )
        },
      })
      if (opts.inventory !== false) {
        const entities = [...(opts.acceptAmbiguous ? ['v0'] : []), version].map((v) => ({
          kind: 'actor',
          id: actor,
          version: v,
          count: 1,
          subjects: [unv, sub(v)],
        }))
        nc.subscribe(inventorySubject('default', hostId), {
          callback: (_e, m) => m.respond(encode({ accepted: true, hostId, lattice: 'default', entities })),
        })
      }
      await nc.flush()
    }

    it.each([
      ['no versioned subscription', { versioned: false }, ['HP-SUBJECTS', 'HP-ANSWER']],
      ['the wrong queue group', { queue: 'workers' }, ['HP-QUEUE']],
      ['no inventory', { inventory: false }, ['HP-INVENTORY']],
      ["another version's subject", { foreign: 'v9' }, ['HP-ONLY-OWN']],
      ['an ambiguous scale accepted', { acceptAmbiguous: true }, ['HP-AMBIGUOUS']],
      ['a stop that drops delivered requests (--stop)', { dropOnStop: true }, ['HP-DRAIN']],
    ] as const)(
      '%s',
      async (name, opts: Broken, failing) => {
        const actor = newActorId()
        const hostId = `broken-${Math.random().toString(36).slice(2, 8)}`
        await brokenHost(hostId, actor, 'v1', opts)
        const before = await liveJwt(t.l)
        const r = await check([
          'actor',
          actor,
          '--version',
          'v1',
          '--host',
          hostId,
          '--requests',
          '5',
          '--json',
          ...(name.includes('--stop') ? ['--stop'] : []),
        ])
        expect(r.code, r.stdout).toBe(11)
        const out = json<{ error: { code: string; message: string; details: { result: CheckJson } } }>(r)
        expect(out.error.code).toBe('HOST_NONCONFORMANT')
        const failed = out.error.details.result.requirements
          .filter((q) => q.level !== 'SHOULD' && q.outcome === 'fail')
          .map((q) => q.id)
        expect(failed).toEqual([...failing])
        for (const id of failing) expect(out.error.message).toContain(id)
        expect(await liveJwt(t.l)).toBe(before)
      },
      60_000,
    )
  })
})
