/**
 * Nothing lost: an account JWT full of fields lattice does not own (imports, exports, 64-bit
 * limits, signing keys with a scoped one, revocations, tags, unknown fields, foreign mappings)
 * goes through every kind of change the CLI makes; after each, every one of those fields is
 * the same JSON text as before. And a weight of 0 written by another tool reads as 100%.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type KeyPair, createAccount, createUser } from 'nkeys.js'
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { pushAccountJwt } from '../../src/resolver/claims.js'
import { openConnection } from '../../src/resolver/connection.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { rawFields } from '../helpers/raw-json.js'
import { JETSTREAM_LIMITS, OPEN_LIMITS, makeIdentity } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { measureSplit } from '../helpers/traffic.js'

const MAX_INT64 = '9223372036854775807'
const TWO_53_PLUS_1 = '9007199254740993'

/** An account JWT from compact claims text, signed with nkeys directly (no lattice code in the way). */
function signedJwt(payload: string, signer: KeyPair): string {
  const header = Buffer.from('{"typ":"JWT","alg":"ed25519-nkey"}').toString('base64url')
  const body = Buffer.from(payload).toString('base64url')
  return `${header}.${body}.${Buffer.from(signer.sign(Buffer.from(`${header}.${body}`))).toString('base64url')}`
}

const payloadOf = (jwt: string) => Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')

const field = (fields: [string, string][], key: string) => fields.find(([k]) => k === key)?.[1] ?? '{}'

/** Everything but iat, jti, iss and lattice `default`'s own mappings, as raw text in order. */
function notOurs(jwt: string) {
  const top = rawFields(payloadOf(jwt))
  const nats = rawFields(field(top, 'nats'))
  return {
    top: top.filter(([k]) => !['iat', 'jti', 'iss'].includes(k)).map(([k, v]) => [k, k === 'nats' ? '(below)' : v]),
    nats: nats.map(([k, v]) => [k, k === 'mappings' ? '(below)' : v]),
    mappings: rawFields(field(nats, 'mappings')).filter(([k]) => !k.startsWith('wasmbus.rpc.default.')),
  }
}

describe('fidelity of account JWT edits', () => {
  let original: string
  const [actor, web, stranger] = [newActorId(), newActorId(), newActorId()]

  const t = useTestLattice(async () => {
    const id = await makeIdentity(JETSTREAM_LIMITS)
    const [sk, scoped, revoked] = [
      createAccount().getPublicKey(),
      createAccount().getPublicKey(),
      createUser().getPublicKey(),
    ]
    // 2^53+1 as a count (imports): as disk_storage, a standalone server would refuse JetStream to
    // the account (more than it can store), and the state bucket lives in this account.
    const limits = { ...JETSTREAM_LIMITS, data: MAX_INT64, imports: TWO_53_PLUS_1 }
    // Compact, in the order Go's encoder would write it, plus fields no version of nats-jwt knows.
    original = signedJwt(
      `{"jti":"FIDELITY","iat":${Math.floor(Date.now() / 1000) - 60},"iss":"${id.operator.getPublicKey()}","name":"APP","sub":"${id.app.getPublicKey()}",` +
        `"x_unknown_top":{"big":18446744073709551615,"neg":-9223372036854775808,"exp":1.5e3,"dec":2.50,"text":"Ünïcödé ✓ 😀","nested":[[${MAX_INT64}],{"z":1,"a":null}]},` +
        `"nats":{"description":"fidelity ✓","x_unknown_nats":{"when":${TWO_53_PLUS_1},"flags":[true,false]},` +
        `"imports":[{"name":"sys-svc","subject":"other.svc","account":"${id.sys.getPublicKey()}","type":"service"}],` +
        `"exports":[{"name":"events","subject":"events.>","type":"stream"},{"name":"svc","subject":"svc.>","type":"service","response_type":"Singleton"}],` +
        `"limits":${JSON.stringify(limits).replace(`"${MAX_INT64}"`, MAX_INT64).replace(`"${TWO_53_PLUS_1}"`, TWO_53_PLUS_1)},` +
        // (Go reads a scoped key through float64, so it holds no 64-bit number of its own.)
        `"signing_keys":["${sk}",{"kind":"user_scope","key":"${scoped}","role":"dev","template":{"pub":{"allow":["a.>"]},"sub":{},"subs":-1,"data":1048576,"payload":-1}}],` +
        `"revocations":{"${revoked}":1700000000},"tags":["team:blue","env:prod"],` +
        `"mappings":{"orders.new":[{"subject":"orders.v2","weight":100}],"wasmbus.rpc.other.${stranger}":[{"subject":"wasmbus.rpc.other.${stranger}.djE"}],"wasmbus.rpc.default.${stranger}":[{"subject":"wasmbus.rpc.default.${stranger}.djE","weight":100}]},` +
        `"type":"account","version":2}}`,
      id.operator,
    )
    expect(payloadOf(original)).toContain(`"data":${MAX_INT64}`)
    return { state: true, identity: { ...id, appJwt: original } }
  })

  const unchanged = async (what: string) => {
    const live = await liveJwt(t.l)
    expect(live, what).not.toBe(original)
    expect(notOurs(live), what).toEqual(notOurs(original))
    return live
  }

  it('the servers take the JWT with MaxInt64 limits, and refuse it rounded', async () => {
    expect(await liveJwt(t.l)).toBe(original) // preloaded as is
    const rounded = JSON.stringify(JSON.parse(payloadOf(original)))
    expect(rounded).toContain('"data":9223372036854776000')
    const nc = await openConnection({ servers: t.l.url, creds: readCreds(t.l.sysCredsFile) })
    t.track('conn', () => nc.close())
    const replies = await pushAccountJwt(nc, signedJwt(rounded.replace('"iat":', '"iat":1'), t.l.id.operator))
    expect(replies.map((r) => r.ok)).toEqual([false])
    expect(replies[0].message).toMatch(/cannot unmarshal number 9223372036854776000/)
    expect(await liveJwt(t.l)).toBe(original)
  })

  it('shift, fault, fault clear, apply, swap and rollback keep every field lattice does not own', async () => {
    const run = async (args: string[]) => {
      const r = await lattice(args, t.env())
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0)
      return unchanged(args.join(' '))
    }
    const subject = `"wasmbus.rpc.default.${actor}"`
    expect(
      payloadOf(await run(['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'])),
    ).toContain(subject)
    expect(payloadOf(await run(['fault', 'actor', actor, '--drop', '20', '--force']))).toContain('._drop"')
    expect(payloadOf(await run(['fault', 'clear', actor]))).not.toContain('._drop"')
    const spec = join(t.l.dir, 'lattice.yaml')
    writeFileSync(
      spec,
      `environments:\n  blue:\n    actors: { ${web}: "1.0.0" }\n  green:\n    actors: { ${web}: "1.1.0" }\nlive: blue\n`,
    )
    expect(payloadOf(await run(['apply', '--force', '-f', spec]))).toContain(`"wasmbus.rpc.default.${web}"`)
    expect(payloadOf(await run(['swap', '--force', 'blue', 'green', '-f', spec]))).toContain(
      versionedSubject('default', { kind: 'actor', id: web }, '1.1.0'),
    )
    expect(payloadOf(await run(['rollback', '--force']))).toContain(
      versionedSubject('default', { kind: 'actor', id: web }, '1.0.0'),
    )
    // Our routes are what was asked for; a route of our lattice that no command named is untouched.
    const status = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.env()),
    )
    expect(status.routes.find((r) => r.id === actor)?.weights).toEqual({ v1: 70, v2: 30 })
    const strangerRoute = (jwt: string) =>
      rawFields(field(rawFields(field(rawFields(payloadOf(jwt)), 'nats')), 'mappings')).find(
        ([k]) => k.endsWith(stranger) && k.includes('.default.'),
      )
    expect(strangerRoute(await liveJwt(t.l))).toEqual(strangerRoute(original))
  }, 180_000)
})

describe('weight 0 written by another tool', () => {
  let app: NatsConnection
  const actor = newActorId()
  const entity = { kind: 'actor' as const, id: actor }
  const source = `wasmbus.rpc.default.${actor}`

  const t = useTestLattice(async () => {
    const id = await makeIdentity(OPEN_LIMITS)
    // As another tool writes it: v1 with an explicit weight of 0, which the servers read as 100%.
    const appJwt = signedJwt(
      `{"jti":"OTHERTOOL","iat":${Math.floor(Date.now() / 1000) - 60},"iss":"${id.operator.getPublicKey()}","name":"APP","sub":"${id.app.getPublicKey()}",` +
        `"nats":{"limits":${JSON.stringify(OPEN_LIMITS)},"mappings":{"${source}":[{"subject":"${versionedSubject('default', entity, 'v1')}","weight":0}]},"type":"account","version":2}}`,
      id.operator,
    )
    return { identity: { ...id, appJwt } }
  })
  beforeAll(async () => {
    app = await t.connect()
  })

  it('status shows it as 100%, as the servers route it', async () => {
    const dests = { v1: versionedSubject('default', entity, 'v1'), source }
    expect(await measureSplit(app, source, dests, 500)).toEqual({ v1: 500, source: 0 })
    const status = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.env()),
    )
    expect(status.routes.find((r) => r.id === actor)?.weights).toEqual({ v1: 100 })
    const text = await lattice(['status'], t.env())
    expect(text.stdout).toMatch(new RegExp(`${actor} +actor +- +v1 +100%`))
  })

  it('a change starts from 100% and never writes a weight of 0', async () => {
    const r = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '30'], t.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`actor ${actor}: v1 100% -> 70%, v2 0% -> 30%`)
    const back = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '0'], t.env())
    expect(back.code, back.stderr).toBe(0)
    const payload = payloadOf(await liveJwt(t.l))
    expect(payload).toContain(`"${source}":[{"subject":"${versionedSubject('default', entity, 'v1')}","weight":100}]`)
    expect(payload).not.toMatch(/"weight":0[,}]/)
  })
})
