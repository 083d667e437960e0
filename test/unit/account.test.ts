import { randomBytes } from 'node:crypto'
import { encodeAccount } from 'nats-jwt'
import { createAccount, createOperator, createUser } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { signSuccessor, verifyAccountJwt, withRouteChanges } from '../../src/account/account.js'
import { decodeAndVerify, nextIat, sign } from '../../src/account/jwt.js'
import { routesFromMappings } from '../../src/plan/routes.js'
import { encodePublicKey } from '../../src/subjects/index.js'

const operator = createOperator()
const account = createAccount()
const actor = encodePublicKey('module', randomBytes(32))
const other = encodePublicKey('module', randomBytes(32))

async function richAccountJwt(): Promise<string> {
  return encodeAccount(
    'APP',
    account,
    {
      limits: { subs: 10, data: -1, payload: 1024, imports: 3, exports: -1, wildcards: true, conn: 7, leaf: -1 },
      imports: [{ name: 'svc', subject: 'svc.>', account: createAccount().getPublicKey(), type: 'service' }],
      exports: [{ name: 'events', subject: 'events.>', type: 'stream' }],
      signing_keys: [createAccount().getPublicKey()],
      revocations: { [createUser().getPublicKey()]: 1700000000 },
      mappings: {
        'orders.new': [{ subject: 'orders.v2', weight: 100 }],
        [`wasmbus.rpc.other.${actor}`]: [{ subject: `wasmbus.rpc.other.${actor}.djE`, weight: 100 }],
        [`wasmbus.rpc.default.${other}`]: [{ subject: `wasmbus.rpc.default.${other}.djE`, weight: 100 }],
      },
      description: 'kept as is',
      someFutureField: { nested: [1, 2, 3] },
    } as never,
    { signer: operator },
  )
}

describe('account JWT edits', () => {
  it('changes only our mapping and keeps every other field exactly', async () => {
    const jwt = await richAccountJwt()
    const live = verifyAccountJwt(jwt, account.getPublicKey())
    const next = withRouteChanges(live.claims, 'default', [
      { entity: { kind: 'actor', id: actor }, weights: { v1: 70, v2: 30 } },
    ])
    const signed = signSuccessor(next, live.claims, operator, (live.claims.iat ?? 0) * 1000)
    expect(signed.iat).toBe((live.claims.iat ?? 0) + 1)
    const after = decodeAndVerify(signed.jwt).claims as typeof live.claims

    expect(after.iat).toBe((live.claims.iat ?? 0) + 1)
    const strip = (c: Record<string, unknown>) => {
      const { jti: _j, iat: _i, nats, ...rest } = c as { jti: unknown; iat: unknown; nats: Record<string, unknown> }
      const { mappings: _m, ...natsRest } = nats
      return { rest, natsRest }
    }
    expect(strip(after)).toEqual(strip(live.claims))
    expect(JSON.stringify(Object.keys(after))).toBe(JSON.stringify(Object.keys(live.claims)))
    const before = live.claims.nats.mappings ?? {}
    const mappings = after.nats.mappings ?? {}
    for (const key of Object.keys(before)) expect(mappings[key]).toEqual(before[key])
    expect(mappings[`wasmbus.rpc.default.${actor}`]).toEqual([
      { subject: `wasmbus.rpc.default.${actor}.djE`, weight: 70 },
      { subject: `wasmbus.rpc.default.${actor}.djI`, weight: 30 },
    ])
  })

  it('keeps 64-bit numbers and other exact forms byte for byte through an edit', () => {
    // Built as text: JSON.stringify could not even write these numbers.
    const fields = `"limits":{"data":9223372036854775807,"disk_storage":9007199254740993,"mem_storage":-9223372036854775808,"conn":-1},"x_ratio":1.50,"x_exp":1e3`
    const payload = `{"jti":"J","iat":1700000000,"iss":"${operator.getPublicKey()}","sub":"${account.getPublicKey()}","name":"APP","x_top":18446744073709551615,"nats":{${fields},"type":"account","version":2}}`
    const header = Buffer.from('{"typ":"JWT","alg":"ed25519-nkey"}').toString('base64url')
    const body = Buffer.from(payload).toString('base64url')
    const jwt = `${header}.${body}.${Buffer.from(operator.sign(Buffer.from(`${header}.${body}`))).toString('base64url')}`
    const live = verifyAccountJwt(jwt, account.getPublicKey())
    const next = withRouteChanges(live.claims, 'default', [
      { entity: { kind: 'actor', id: actor }, weights: { v1: 100 } },
    ])
    const signed = signSuccessor(next, live.claims, operator)
    const text = Buffer.from(signed.jwt.split('.')[1], 'base64url').toString()
    expect(text).toContain(`"x_top":18446744073709551615,"nats":{${fields},"type":"account","version":2,"mappings":{`)
    expect(decodeAndVerify(signed.jwt).claims.iat).toBe(signed.iat)
  })

  it('removing our last mapping leaves other mappings alone', async () => {
    const live = verifyAccountJwt(await richAccountJwt(), account.getPublicKey())
    const next = withRouteChanges(live.claims, 'default', [{ entity: { kind: 'actor', id: other }, weights: null }])
    expect(Object.keys(next.nats.mappings ?? {})).toEqual(['orders.new', `wasmbus.rpc.other.${actor}`])
    expect(routesFromMappings(next.nats.mappings, 'default')).toEqual([])
    expect(routesFromMappings(next.nats.mappings, 'other')).toHaveLength(1)
  })

  it('rejects JWTs it cannot trust', async () => {
    const jwt = await richAccountJwt()
    const [h, p, s] = jwt.split('.')
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
    claims.nats.limits.conn = 1000
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`
    expect(() => verifyAccountJwt(tampered, account.getPublicKey())).toThrow(/signature/)
    expect(() => verifyAccountJwt(jwt, createAccount().getPublicKey())).toThrow(/not for account/)
    expect(() => verifyAccountJwt('garbage', account.getPublicKey())).toThrow(/not a JWT/)
  })

  it('signs JWTs that nats-jwt verifies, with the iat we ask for', () => {
    const jwt = sign({ iss: '', sub: account.getPublicKey(), nats: { type: 'account', version: 2 } }, operator, 1234)
    const { claims } = decodeAndVerify(jwt)
    expect(claims.iat).toBe(1234)
    expect(claims.iss).toBe(operator.getPublicKey())
    expect(claims.jti).toMatch(/^[A-Z2-7]{52}$/)
  })

  it('iat is max(now, live iat + 1)', () => {
    expect(nextIat(100, 50_000)).toBe(101)
    expect(nextIat(100, 500_000)).toBe(500)
    expect(nextIat(undefined, 500_999)).toBe(500)
  })

  it('decodes any version name, even "__proto__", as a plain version', () => {
    const entity = { kind: 'actor' as const, id: actor }
    const m = withRouteChanges({ iss: '', sub: '', nats: { type: 'account' } }, 'default', [
      { entity, weights: Object.fromEntries(Object.entries(JSON.parse('{"__proto__":40,"constructor":60}'))) },
    ]).nats.mappings
    const [route] = routesFromMappings(m, 'default')
    expect(Object.entries(route.weights)).toEqual([
      ['__proto__', 40],
      ['constructor', 60],
    ])
    expect(route.foreign).toBeUndefined()
  })

  it('decodes cluster-scoped destinations as cluster weights, and others as foreign', () => {
    const routes = routesFromMappings(
      {
        [`wasmbus.rpc.default.${actor}`]: [
          { subject: `wasmbus.rpc.default.${actor}.djE`, weight: 50 },
          { subject: `wasmbus.rpc.default.${actor}.djI`, weight: 50, cluster: 'east' },
          { subject: `wasmbus.rpc.default.${actor}.djE`, weight: 50, cluster: 'east' },
          { subject: 'elsewhere', weight: 0 },
        ],
      },
      'default',
    )
    expect(routes[0].weights).toEqual({ v1: 50 })
    expect(routes[0].clusters).toEqual({ east: { v2: 50, v1: 50 } })
    expect(routes[0].foreign).toEqual([{ subject: 'elsewhere', weight: 0 }])
  })

  it('writes cluster weights beside the unscoped ones and reads them back the same', () => {
    const entity = { kind: 'actor' as const, id: actor }
    const change = { entity, weights: { v1: 100 }, clusters: { west: { v3: 20, v2: 80 }, east: { v4: 0 } } }
    const m = withRouteChanges({ iss: '', sub: '', nats: { type: 'account' } }, 'default', [change]).nats.mappings
    expect(m?.[`wasmbus.rpc.default.${actor}`]).toEqual([
      { subject: `wasmbus.rpc.default.${actor}.djE`, weight: 100 },
      { subject: `wasmbus.rpc.default.${actor}.djM`, weight: 20, cluster: 'west' },
      { subject: `wasmbus.rpc.default.${actor}.djI`, weight: 80, cluster: 'west' },
    ])
    const [route] = routesFromMappings(m, 'default')
    expect(route).toMatchObject({ weights: { v1: 100 }, clusters: { west: { v3: 20, v2: 80 } } })
    // Only cluster weights left: the mapping stays; none at all: it goes.
    expect(
      withRouteChanges({ iss: '', sub: '', nats: { type: 'account', mappings: m } }, 'default', [
        { entity, weights: null, clusters: { west: { v2: 100 } } },
      ]).nats.mappings,
    ).toBeDefined()
    expect(
      withRouteChanges({ iss: '', sub: '', nats: { type: 'account', mappings: m } }, 'default', [
        { entity, weights: null },
      ]).nats.mappings,
    ).toBeUndefined()
  })
})

describe('signing with node crypto', () => {
  it('derives the same public key as nkeys.js and signs JWTs that nkeys.js verifies', async () => {
    const { createOperator } = await import('nkeys.js')
    const { signerPublicKey, sign: signJwt } = await import('../../src/account/jwt.js')
    const kp = createOperator()
    expect(signerPublicKey(kp)).toBe(kp.getPublicKey())
    const jwt = signJwt({ iss: '', sub: 'x', nats: {} }, kp, 1)
    const [h, p, s] = jwt.split('.')
    expect(kp.verify(new TextEncoder().encode(`${h}.${p}`), Buffer.from(s, 'base64url'))).toBe(true)
  })
})
