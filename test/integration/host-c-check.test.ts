/**
 * `lattice host check` against the C host (examples/host-c): the right build passes every MUST,
 * each deliberately broken build (BROKEN_NO_VERSIONED, BROKEN_QUEUE) is observably broken and
 * fails the check, naming its requirement. Needs libnats-dev (see host-c.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { buildCHost } from '../helpers/c-host.js'
import { useCHostSuite } from '../helpers/c-host-suite.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { skipIf, skips } from '../helpers/skips.js'

const suite = useCHostSuite()
const { t, cHost, coreHost, repliesTo } = suite

describe('C host (libnats) under lattice host check', skipIf(skips.noLibnats()), () => {
  it('the broken builds are observably broken (for host checks)', async () => {
    const noVersioned = await buildCHost('BROKEN_NO_VERSIONED')
    const wrongQueue = await buildCHost('BROKEN_QUEUE')
    const a1 = newActorId()
    await cHost(['--host-id', 'c-nov', '--actor', a1, '--version', 'v2'], noVersioned)
    expect((await suite.client.request(`wasmbus.rpc.default.${a1}`, undefined, { timeout: 5000 })).string()).toBe('v2')
    await expect(suite.client.request(`wasmbus.rpc.default.${a1}.djI`, undefined, { timeout: 5000 })).rejects.toThrow(
      /503|no responders/i,
    )

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
      const r = await lattice(['host', 'check', ...args, '--json'], {
        ...t.l.env(),
        LATTICE_APP_CREDS: t.l.appCredsFile,
      })
      const out = json<{
        requirements?: Req[]
        error?: { code: string; details: { result: { requirements: Req[] } } }
      }>(r)
      return {
        code: r.code,
        error: out.error?.code,
        req: Object.fromEntries(
          (out.requirements ?? out.error?.details.result.requirements ?? []).map((x) => [x.id, x]),
        ),
      }
    }
    const a = newActorId()
    await cHost([
      '--host-id',
      'c-check',
      '--actor',
      a,
      '--version',
      'v1',
      '--actor',
      a,
      '--version',
      'v2',
      '--count',
      '2',
    ])
    const ok = await check(['actor', a, '--version', 'v2', '--host', 'c-check', '--stop'])
    expect(ok.code, JSON.stringify(ok.req)).toBe(0)
    for (const id of [
      'HP-SUBJECTS',
      'HP-QUEUE',
      'HP-ANSWER',
      'HP-ONLY-OWN',
      'HP-INVENTORY',
      'HP-AMBIGUOUS',
      'HP-DRAIN',
    ])
      expect(ok.req[id]?.outcome, `${id}: ${ok.req[id]?.observed}`).toBe('pass')
    // The C host publishes no metrics: a SHOULD, reported, not a failure of the check.
    expect(ok.req['HP-METRICS']).toMatchObject({ level: 'SHOULD' })
    expect(ok.req['HP-METRICS'].outcome).not.toBe('pass')

    for (const [variant, requirement] of [
      ['BROKEN_NO_VERSIONED', 'HP-SUBJECTS'],
      ['BROKEN_QUEUE', 'HP-QUEUE'],
    ] as const) {
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
