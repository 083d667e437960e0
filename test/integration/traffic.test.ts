/**
 * `lattice dev traffic` against real hosts (host-core) on a real server: each handler counts the
 * calls it answers, so the versions lattice reports are checked call for call.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import type { Host } from '../../src/host-core/index.js'
import type { TrafficResult } from '../../src/ops/traffic.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ appCreds: true })
let hosts: Host[] = []
const actor = newActorId()
/** Calls each version's handler answered. */
const handled: Record<string, number> = { v1: 0, v2: 0 }
const handler = (v: string) => () => {
  handled[v]++
  return v
}

beforeAll(async () => {
  hosts = await t.hosts(2)
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: handler('v1') })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: handler('v2') })
})

const traffic = (args: string[]) => lattice(['dev', 'traffic', ...args], t.env())

describe('dev traffic', () => {
  it('with no mapping, counts the answers as unversioned; after a 30% shift, per version as the handlers answered, while verify sees the split', async () => {
    const before = await traffic(['actor', actor, '--rate', '100', '--duration', '1s', '--json'])
    expect(before.code, before.stderr).toBe(0)
    const b = json<TrafficResult>(before)
    expect(b.sent).toBeGreaterThanOrEqual(90)
    expect(b.unversioned.answered).toBe(b.sent)
    expect(b.answered).toEqual({})

    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
    expect(shift.code, shift.stderr).toBe(0)
    const start = { ...handled }
    // verify observes the calls dev traffic makes (what the docs tell people to do).
    const [run, verify] = await Promise.all([
      traffic(['actor', actor, '--rate', '300', '--duration', '4s', '--json']),
      new Promise((r) => setTimeout(r, 800)).then(() =>
        lattice(['verify', 'actor', actor, '--window', '2s', '--json'], t.env()),
      ),
    ])
    expect(run.code, run.stderr).toBe(0)
    const r = json<TrafficResult>(run)
    expect(r).toMatchObject({
      entity: `actor ${actor}`,
      subject: `wasmbus.rpc.default.${actor}`,
      rate: 300,
      failed: {},
      unversioned: { answered: 0, failed: 0 },
      noResponders: 0,
      timeouts: 0,
      pending: 0,
    })
    expect(r.sent).toBeGreaterThan(900)
    expect(r.answered.v1 + r.answered.v2).toBe(r.sent)
    // Call for call what each version's handler answered (nothing else calls the actor).
    expect(r.answered).toEqual({ v1: handled.v1 - start.v1, v2: handled.v2 - start.v2 })
    expect(Math.abs((r.answered.v2 / r.sent) * 100 - 30)).toBeLessThanOrEqual(5)
    expect(verify.code, verify.stderr).toBe(0)
    expect(json<{ match: boolean }>(verify).match).toBe(true)
  })

  it('prints progress lines and a summary when stdout is not a terminal; counts error replies per version', async () => {
    const failing = newActorId()
    await hosts[0].startActor({ id: failing, version: 'v1', count: 1, handler: () => 'ok' })
    await hosts[1].startActor({
      id: failing,
      version: 'v2',
      count: 1,
      handler: () => {
        throw new Error('v2 is broken')
      },
    })
    expect(
      (await lattice(['shift', 'actor', failing, '--from', 'v1', '--to', 'v2', '--weight', '50'], t.env())).code,
    ).toBe(0)
    const r = await traffic(['actor', failing, '--rate', '40', '--duration', '5.5s'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^5\.\d s: \d+ sent; v1 \d+ \(\d+\.\d%\), v2 \d+ \(\d+\.\d%\); errors \d+; no answer 0$/m)
    expect(r.stdout).toMatch(
      new RegExp(
        `^actor ${failing}: \\d+ calls in 5\\.\\d s \\(\\d+/s\\) to wasmbus\\.rpc\\.default\\.${failing}$`,
        'm',
      ),
    )
    expect(r.stdout).toMatch(/^VERSION +ANSWERED +ERRORS +SHARE$/m)
    expect(r.stdout).toMatch(/^v1 +\d+ +0 +\d+\.\d%$/m)
    expect(r.stdout).toMatch(/^v2 +0 +\d+ +\d+\.\d%$/m)
    expect(r.stdout).toMatch(/^No answer: 0 \(0 no responders, 0 timeouts\)\.$/m)
  })

  it('calls a provider link', async () => {
    const provider = newProviderId()
    await hosts[0].startProvider({ id: provider, link: 'backend', version: '0.3.0', count: 1, handler: () => 'old' })
    await hosts[1].startProvider({ id: provider, link: 'backend', version: '0.4.0', count: 1, handler: () => 'new' })
    expect(
      (await lattice(['shift', 'provider', provider, '--link', 'backend', '--to', '0.4.0', '--weight', '100'], t.env()))
        .code,
    ).toBe(0)
    const r = json<TrafficResult>(
      await traffic(['provider', provider, '--link', 'backend', '--rate', '50', '--duration', '1s', '--json']),
    )
    expect(r.subject).toBe(`wasmbus.rpc.default.${provider}.backend`)
    expect(r.answered).toEqual({ '0.4.0': r.sent })
  })

  it('refuses a bad ID (3), an entity nothing serves (8), no app creds (3); no answer at all exits 11', async () => {
    const bad = await traffic(['actor', 'MBXYZ', '--duration', '1s'])
    expect(bad.code).toBe(ExitCode.INVALID_INPUT)
    expect(bad.stderr).toMatch(/INVALID_ACTOR_ID/)

    const nobody = newActorId()
    const none = await traffic(['actor', nobody, '--duration', '1s', '--json'])
    expect(none.code).toBe(ExitCode.LIVE_STATE)
    expect(json<{ error: { code: string; message: string } }>(none).error).toMatchObject({
      code: 'NO_SUBSCRIBER',
      message: expect.stringContaining(
        `Nothing subscribes to actor ${nobody} in lattice default of account ${t.l.appAccount}`,
      ),
    })

    const noApp = await lattice(['dev', 'traffic', 'actor', actor, '--duration', '1s'], t.l.env())
    expect(noApp.code).toBe(ExitCode.INVALID_INPUT)
    expect(noApp.stderr).toMatch(/NO_APP_CREDS/)

    // Every call routed to a version nothing serves: no responders.
    const lost = newActorId()
    await hosts[0].startActor({ id: lost, version: 'v1', count: 1, handler: () => 'v1' })
    expect((await lattice(['shift', 'actor', lost, '--to', 'v9', '--weight', '100', '--force'], t.env())).code).toBe(0)
    const r = await traffic(['actor', lost, '--rate', '50', '--duration', '1s', '--json'])
    expect(r.code).toBe(ExitCode.MISMATCH)
    const e = json<{ error: { code: string; details: { result: TrafficResult } } }>(r).error
    expect(e.code).toBe('NO_ANSWER')
    expect(e.details.result.noResponders).toBe(e.details.result.sent)
    expect(e.details.result.sent).toBeGreaterThan(0)
  })
})
