/**
 * The operator key never signs what it did not write (issue #29, item 1). The attack, against a
 * real server: a system-account user pushes an account JWT signed by a self-made operator that
 * adds an account signing key, a marker and an iat in 2100; the server stores it ("jwt
 * updated"). Before the fix, `lattice shift --force` re-signed those claims with the real
 * operator key. Now every change refuses (UNTRUSTED_LIVE_JWT, --force or not) and the live JWT
 * stays as the attacker left it.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAccount, createOperator } from 'nkeys.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeAndVerify, sign } from '../../src/account/jwt.js'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { makeIdentity } from '../helpers/nats-server.js'
import { startTestLattice, useTestLattice } from '../helpers/test-lattice.js'
import { encodeOperator } from 'nats-jwt'

const t = useTestLattice({ jetstream: true })
const actor = newActorId()
const shift = (...extra: string[]) =>
  lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '40', '--json', ...extra], t.env())
const errorOf = (r: Awaited<ReturnType<typeof lattice>>) =>
  json<{
    error: {
      code: string
      message: string
      hint: string
      exitCode: number
      details: { reason: string; issuer: string; iat: number; signingKeys: string[] }
    }
  }>(r).error

/** Push `jwt` as the system user, the way an attacker with system creds would; returns the servers' answer. */
async function plant(jwt: string): Promise<string> {
  const nc = await t.connect(t.l.sysCredsFile)
  return new TextDecoder().decode(
    (await nc.request('$SYS.REQ.CLAIMS.UPDATE', new TextEncoder().encode(jwt), { timeout: 5000 })).data,
  )
}

/** The live claims, changed as the attacker likes and signed by `signer` with `iat`. */
async function forged(signer: ReturnType<typeof createOperator>, iat: number): Promise<string> {
  const claims = decodeAndVerify(await liveJwt(t.l)).claims as Record<string, unknown> & {
    nats: Record<string, unknown>
  }
  const planted = {
    ...claims,
    planted: 'marker',
    nats: { ...claims.nats, signing_keys: [createAccount().getPublicKey()] },
  }
  return sign(planted as never, signer, iat)
}

beforeAll(async () => {
  const r = await lattice(['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
  expect(r.code, r.stderr).toBe(0)
})

describe('signature laundering', () => {
  it('a JWT planted by a self-made operator is never re-signed: UNTRUSTED_LIVE_JWT, with --force, with or without the operator JWT', async () => {
    const rogue = createOperator()
    const jwt = await forged(rogue, 4102444800) // 2100-01-01
    expect(await plant(jwt)).toMatch(/jwt updated/) // the server stores it: the attack is real
    expect(await liveJwt(t.l)).toBe(jwt)

    for (const env of [{}, { LATTICE_OPERATOR_JWT: undefined }]) {
      const r = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '40', '--json'], {
        ...t.env(),
        ...env,
      })
      expect(r.code, r.stdout).toBe(ExitCode.LIVE_STATE)
      const e = errorOf(r)
      expect(e.code).toBe('UNTRUSTED_LIVE_JWT')
      expect(e.details).toMatchObject({ reason: 'foreign-issuer', issuer: rogue.getPublicKey(), iat: 4102444800 })
      expect(e.details.signingKeys).toHaveLength(1)
      expect(e.message).toContain(`issued by ${rogue.getPublicKey()}`)
    }
    // Every change path goes through the same check: a spec apply and a rollout are refused alike.
    const spec = join(t.l.dir, 'lattice.yaml')
    writeFileSync(spec, `lattice: default\nsplits:\n  - actor: ${actor}\n    weights: { v1: 50, v2: 50 }\n`)
    const applied = await lattice(['apply', '--force', '-f', spec, '--json'], t.env())
    expect(errorOf(applied).code).toBe('UNTRUSTED_LIVE_JWT')
    const rolled = await lattice(
      [
        'rollout',
        'actor',
        actor,
        '--force',
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '100ms',
        '--json',
      ],
      t.env({ LATTICE_STATE_CREDS: t.l.appCredsFile }),
    )
    expect(rolled.stdout + rolled.stderr).toContain('UNTRUSTED_LIVE_JWT')
    expect(await liveJwt(t.l)).toBe(jwt) // nothing was pushed
  })

  it('an iat far in the future is refused even from the real operator; within the clock skew it is not', async () => {
    const real = t.l.id.operator
    const ahead = Math.floor(Date.now() / 1000) + 3600
    const jwt = await forged(real, ahead)
    expect(await plant(jwt)).toMatch(/jwt updated/)
    const r = await shift()
    expect(r.code, r.stdout).toBe(ExitCode.LIVE_STATE)
    expect(errorOf(r).details).toMatchObject({ reason: 'future-iat', iat: ahead })
    expect(errorOf(r).message).toMatch(/3\d{3} s in the future/)
    expect(await liveJwt(t.l)).toBe(jwt)
  })

  it('an operator JWT that does not list the signing key is refused before anything is contacted', async () => {
    const other = createOperator()
    const file = join(t.l.dir, 'other-operator.jwt')
    writeFileSync(file, await encodeOperator('other', other, {}))
    const r = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--json'], {
      ...t.env(),
      LATTICE_OPERATOR_JWT: file,
      NATS_URL: 'nats://127.0.0.1:1',
    })
    expect(r.code).toBe(ExitCode.CREDENTIALS)
    expect(errorOf(r).code).toBe('UNTRUSTED_KEY')
    writeFileSync(file, 'not a jwt')
    expect(
      errorOf(
        await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--json'], {
          ...t.env(),
          LATTICE_OPERATOR_JWT: file,
        }),
      ).code,
    ).toBe('OPERATOR_JWT_INVALID')
  })

  it('with the operator JWT, an account JWT issued by one of its signing keys is re-signed (the keys come from the operator, not the server)', async () => {
    const fresh = await startTestLattice({ identity: await makeIdentity() })
    try {
      // Signed with the operator's signing key; the live JWT was issued by its identity key.
      const env = fresh.env({ LATTICE_SIGNING_KEY: fresh.l.signingKeySeedFile })
      const ok = await lattice(
        ['shift', 'actor', newActorId(), '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'],
        env,
      )
      expect(ok.code, ok.stderr).toBe(0)
      // Without the operator JWT, only the signing key itself is trusted: the identity key's JWT is not re-signed.
      const alone = await lattice(
        ['shift', 'actor', newActorId(), '--force', '--from', 'v1', '--to', 'v2', '--weight', '30', '--json'],
        { ...fresh.env(), LATTICE_SIGNING_KEY: fresh.l.operatorSeedFile, LATTICE_OPERATOR_JWT: undefined },
      )
      expect(alone.code, alone.stdout).toBe(ExitCode.LIVE_STATE)
      expect(errorOf(alone).hint).toMatch(/--operator-jwt FILE/)
    } finally {
      await fresh.stop()
    }
  })
})
