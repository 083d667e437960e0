/**
 * An operator in strict signing-key mode (`strict_signing_key_usage: true`) accepts account JWTs
 * signed only by its signing keys. Lattice reads that from the servers (VARZ) and refuses its
 * identity key before pushing; with a signing key the change goes through.
 */
import { writeFileSync } from 'node:fs'
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from 'nats-jwt'
import { type KeyPair, createAccount, createOperator, createUser } from 'nkeys.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyAccountJwt } from '../../src/account/account.js'
import { nextIat, sign } from '../../src/account/jwt.js'
import { ExitCode } from '../../src/errors.js'
import { lookupAccountJwt, pushAccountJwt } from '../../src/resolver/claims.js'
import { fetchServerFacts } from '../../src/resolver/server-info.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { type Identity, OPEN_LIMITS } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const operator = createOperator()
const operatorSigningKey = createOperator()
const sys = createAccount()
const app = createAccount()
const operatorJwt = await encodeOperator('strict-op', operator, {
  signing_keys: [operatorSigningKey.getPublicKey()],
  system_account: sys.getPublicKey(),
  strict_signing_key_usage: true,
} as never)
// In strict mode every JWT is issued by a signing key: accounts by the operator's, users by their account's.
const [sysKey, appKey] = [createAccount(), createAccount()]
const sysJwt = await encodeAccount(
  'SYS',
  sys,
  { limits: OPEN_LIMITS, signing_keys: [sysKey.getPublicKey()] } as never,
  { signer: operatorSigningKey },
)
const appJwt = await encodeAccount(
  'APP',
  app,
  { limits: OPEN_LIMITS, signing_keys: [appKey.getPublicKey()] } as never,
  { signer: operatorSigningKey },
)
const identity: Identity = { operator, operatorJwt, operatorSigningKey, sys, sysJwt, app, appJwt }
const t = useTestLattice({ identity })

// The lattice's creds files were issued by the accounts themselves: reissued by their signing keys.
beforeAll(async () => {
  const creds = async (file: string, account: KeyPair, key: KeyPair, name: string) => {
    const user = createUser()
    writeFileSync(file, fmtCreds(await encodeUser(name, user, account, {}, { signer: key }), user), { mode: 0o600 })
  }
  await creds(t.l.sysCredsFile, sys, sysKey, 'sys-user')
  await creds(t.l.appCredsFile, app, appKey, 'app-user')
})

describe('strict signing-key mode', () => {
  it('the servers report it, and refuse a JWT signed with the identity key (asserted so the check stays needed)', async () => {
    const nc = await t.connect(t.l.sysCredsFile)
    const facts = await fetchServerFacts(nc)
    expect([...facts.strictIdentityKeys]).toEqual([t.l.id.operator.getPublicKey()])
    const live = verifyAccountJwt((await lookupAccountJwt(nc, t.l.appAccount)) as string, t.l.appAccount)
    const byIdentity = sign(
      { ...live.claims, nats: { ...live.claims.nats, description: 'x' } },
      t.l.id.operator,
      nextIat(live.claims.iat),
    )
    const replies = await pushAccountJwt(nc, byIdentity, { expected: 1 })
    expect(replies.map((r) => [r.ok, r.message])).toEqual([
      [false, expect.stringMatching(/operator requires issuer to be a signing key/)],
    ])
  })

  it('lattice with the identity key is refused before pushing; with the signing key it is accepted', async () => {
    const actor = newActorId()
    const args = ['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30', '--force']
    const before = await liveJwt(t.l)
    const refused = await lattice(args, t.env({ LATTICE_SIGNING_KEY: t.l.operatorSeedFile }))
    expect(refused.code, refused.stderr).toBe(ExitCode.CREDENTIALS)
    expect(refused.stderr).toContain(
      `Error [UNTRUSTED_KEY]: The signing key ${t.l.id.operator.getPublicKey()} is the operator's identity key, and the operator requires account JWTs to be signed by one of its signing keys (strict_signing_key_usage`,
    )
    expect(refused.stderr).toMatch(/Sign with an operator signing key/)
    expect(refused.stdout).not.toMatch(/jwt updated/) // nothing was pushed
    const j = json<{ error: { code: string } }>(
      await lattice([...args, '--json'], t.env({ LATTICE_SIGNING_KEY: t.l.operatorSeedFile })),
    )
    expect(j.error.code).toBe('UNTRUSTED_KEY')
    expect(await liveJwt(t.l)).toBe(before)

    const ok = await lattice(args, t.env({ LATTICE_SIGNING_KEY: t.l.signingKeySeedFile }))
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/n1: jwt updated/)
    const live = verifyAccountJwt(await liveJwt(t.l), t.l.appAccount)
    expect(live.claims.iss).toBe(t.l.id.operatorSigningKey.getPublicKey())
    expect(Object.keys(live.claims.nats.mappings ?? {})).toEqual([`wasmbus.rpc.default.${actor}`])
  })
})
