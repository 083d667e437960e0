/** `lattice shift` and `lattice status` end to end: the real binary against a real nats-server. */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeAndVerify } from '../../src/account/jwt.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { measureSplit } from '../helpers/traffic.js'

const t = useTestLattice()
let app: NatsConnection

beforeAll(async () => {
  app = await t.connect()
})

function expectWithin(counts: Record<string, number>, version: string, weight: number, total = 10_000) {
  const share = (counts[version] / total) * 100
  expect(Math.abs(share - weight), `${version}: ${share.toFixed(2)}% vs ${weight}%`).toBeLessThanOrEqual(2.5)
}

describe('shift actor', () => {
  it('sends 30% then 60% of real messages to v2', async () => {
    const actor = newActorId()
    const subject = `wasmbus.rpc.default.${actor}`
    const dest = {
      v1: versionedSubject('default', { kind: 'actor', id: actor }, 'v1'),
      v2: versionedSubject('default', { kind: 'actor', id: actor }, 'v2'),
    }

    const first = await lattice(
      ['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'],
      t.l.env(),
    )
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toContain('v1 0% -> 70%, v2 0% -> 30%')
    expect(first.stdout).toMatch(/n1: jwt updated/)
    expect(first.stdout).toMatch(/Live: 1 of 1 server acknowledged \(1 required\)/)
    let counts = await measureSplit(app, subject, dest)
    expectWithin(counts, 'v2', 30)
    expectWithin(counts, 'v1', 70)

    const second = await lattice(['shift', 'actor', '--force', actor, '--to', 'v2', '--weight', '60'], t.l.env())
    expect(second.code, second.stderr).toBe(0)
    counts = await measureSplit(app, subject, dest)
    expectWithin(counts, 'v2', 60)
    expectWithin(counts, 'v1', 40)

    const status = json<{ routes: { kind: string; id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.l.env()),
    )
    expect(status.routes.find((r) => r.id === actor)).toMatchObject({
      kind: 'actor',
      id: actor,
      weights: { v1: 40, v2: 60 },
    })
    const table = await lattice(['status'], t.l.env())
    expect(table.stdout).toMatch(/ENTITY\s+KIND\s+LINK\s+VERSION\s+WEIGHT\s+INSTANCES\s+SUBJECT/)
    expect(table.stdout).toMatch(
      new RegExp(`${actor}\\s+actor\\s+-\\s+v2\\s+60%\\s+0\\s+${dest.v2.replace(/\./g, '\\.')}`),
    )
  })

  it('weight 0 removes a version and weight 100 keeps an explicit mapping', async () => {
    const actor = newActorId()
    await lattice(['shift', 'actor', '--force', actor, '--from', '1.0.0', '--to', '1.1.0', '--weight', '50'], t.l.env())
    const r = await lattice(
      ['shift', 'actor', '--force', actor, '--to', '1.1.0', '--weight', '100', '--json'],
      t.l.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(json<{ changes: { after: unknown }[] }>(r).changes[0].after).toEqual({ '1.1.0': 100 })
    const mappings = (await liveClaims(t.l)).nats.mappings as Record<string, unknown[]>
    expect(mappings[`wasmbus.rpc.default.${actor}`]).toEqual([
      { subject: `wasmbus.rpc.default.${actor}.MS4xLjA`, weight: 100 },
    ])
    const back = await lattice(
      ['shift', 'actor', '--force', actor, '--from', '1.1.0', '--to', '1.0.0', '--weight', '100'],
      t.l.env(),
    )
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain('1.1.0 100% -> 0%, 1.0.0 0% -> 100%')
    await lattice(['shift', 'actor', '--force', actor, '--to', '1.1.0', '--weight', '20'], t.l.env())
    const zero = await lattice(['shift', 'actor', '--force', actor, '--to', '1.1.0', '--weight', '0'], t.l.env())
    expect(zero.code, zero.stderr).toBe(0)
    expect(zero.stdout).toContain('1.0.0 80% -> 100%, 1.1.0 20% -> 0%')
    expect(
      ((await liveClaims(t.l)).nats.mappings as Record<string, unknown[]>)[`wasmbus.rpc.default.${actor}`],
    ).toEqual([{ subject: `wasmbus.rpc.default.${actor}.MS4wLjA`, weight: 100 }])
  })

  it('says so and pushes nothing when nothing changes', async () => {
    const actor = newActorId()
    await lattice(['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '10'], t.l.env())
    const iat = (await liveClaims(t.l)).iat
    const r = await lattice(['shift', 'actor', '--force', actor, '--to', 'v2', '--weight', '10'], t.l.env())
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/No change/)
    expect((await liveClaims(t.l)).iat).toBe(iat)
  })

  it('--dry-run prints the exact change and pushes nothing', async () => {
    const actor = newActorId()
    const before = await liveClaims(t.l)
    const r = await lattice(
      ['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '25', '--dry-run'],
      t.l.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Dry run: nothing pushed/)
    expect(r.stdout).toContain(`-> wasmbus.rpc.default.${actor}.djI weight 25`)
    expect(await liveClaims(t.l)).toEqual(before)
    const j = json<{ dryRun: boolean; pushed: boolean; mappings: Record<string, unknown> }>(
      await lattice(
        ['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '25', '--dry-run', '--json'],
        t.l.env(),
      ),
    )
    expect(j).toMatchObject({ dryRun: true, pushed: false })
    expect(j.mappings[`wasmbus.rpc.default.${actor}`]).toHaveLength(2)
  })

  it('keeps every field it does not own and issues iat after the live one', async () => {
    const before = await liveClaims(t.l)
    await lattice(['shift', 'actor', '--force', newActorId(), '--from', 'a', '--to', 'b', '--weight', '5'], t.l.env())
    const after = await liveClaims(t.l)
    expect(after.iat).toBeGreaterThan(before.iat as number)
    const { jti: _1, iat: _2, nats: n1, ...rest1 } = before
    const { jti: _3, iat: _4, nats: n2, ...rest2 } = after
    expect(rest2).toEqual(rest1)
    const { mappings: m1, ...limits1 } = n1 as Record<string, unknown>
    const { mappings: m2, ...limits2 } = n2 as Record<string, unknown>
    expect(limits2).toEqual(limits1)
    for (const [k, v] of Object.entries((m1 ?? {}) as object)) expect((m2 as Record<string, unknown>)[k]).toEqual(v)
  })

  it('signs with an operator signing key', async () => {
    const r = await lattice(
      [
        'shift',
        'actor',
        '--force',
        newActorId(),
        '--from',
        'a',
        '--to',
        'b',
        '--weight',
        '5',
        '--signing-key',
        t.l.signingKeySeedFile,
      ],
      t.l.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect((await liveClaims(t.l)).iss).toBe(t.l.id.operatorSigningKey.getPublicKey())
  })
})

describe('shift provider', () => {
  it('routes a link of a provider by weight', async () => {
    const provider = newProviderId()
    const r = await lattice(
      [
        'shift',
        'provider',
        '--force',
        provider,
        '--link',
        'db',
        '--from',
        '0.3.0',
        '--to',
        '0.4.0',
        '--weight',
        '10',
        '--json',
      ],
      t.l.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    const entity = { kind: 'provider' as const, id: provider, link: 'db' }
    const counts = await measureSplit(app, `wasmbus.rpc.default.${provider}.db`, {
      old: versionedSubject('default', entity, '0.3.0'),
      new: versionedSubject('default', entity, '0.4.0'),
    })
    expectWithin(counts, 'new', 10)
    const status = json<{ routes: Record<string, unknown>[] }>(await lattice(['status', '--json'], t.l.env()))
    expect(status.routes.find((x) => x.id === provider)).toMatchObject({
      kind: 'provider',
      link: 'db',
      weights: { '0.3.0': 90, '0.4.0': 10 },
    })
  })
})

describe('lattices', () => {
  it('--lattice scopes routes to one lattice', async () => {
    const actor = newActorId()
    const r = await lattice(
      ['shift', 'actor', '--force', actor, '--lattice', 'lab', '--from', 'v1', '--to', 'v2', '--weight', '50'],
      t.l.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    const lab = json<{ routes: { id: string }[] }>(
      await lattice(['status', '--json'], { ...t.l.env(), LATTICE_ID: 'lab' }),
    )
    expect(lab.routes.map((x) => x.id)).toEqual([actor])
    const def = json<{ routes: { id: string }[] }>(await lattice(['status', '--json'], t.l.env()))
    expect(def.routes.map((x) => x.id)).not.toContain(actor)
  })
})

describe('the JWT itself', () => {
  it('is one that the resolver verifies and stores', async () => {
    const claims = await liveClaims(t.l)
    expect(claims.sub).toBe(t.l.appAccount)
    expect(decodeAndVerify(await liveJwt(t.l)).claims.iss).toMatch(/^O/)
  })
})
