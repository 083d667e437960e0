import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAccount, createOperator, createUser } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { loadSigningKey } from '../../src/auth/signing-key.js'
import { commandLine } from '../../src/cli/base.js'
import { LatticeError } from '../../src/errors.js'
import { type ServerFacts, assertTrustedIssuer } from '../../src/resolver/server-info.js'
import { writeCreds } from '../helpers/nats-server.js'

const dir = mkdtempSync(join(tmpdir(), 'lattice-auth-'))
const seed = (kp: { getSeed(): Uint8Array }) => new TextDecoder().decode(kp.getSeed())

function failure(fn: () => unknown): LatticeError {
  try {
    fn()
  } catch (e) {
    if (e instanceof LatticeError) return e
    throw e
  }
  throw new Error('expected a failure')
}

describe('signing key', () => {
  it('loads an operator seed from a file or from the env value', () => {
    const op = createOperator()
    const file = join(dir, 'op.nk')
    writeFileSync(file, `# operator\n${seed(op)}\n`, { mode: 0o600 })
    expect(loadSigningKey({ file }).getPublicKey()).toBe(op.getPublicKey())
    expect(loadSigningKey({ seed: seed(op) }).getPublicKey()).toBe(op.getPublicKey())
  })
  it('explains missing, unreadable and wrong-kind keys without printing the seed', () => {
    expect(failure(() => loadSigningKey({})).code).toBe('SIGNING_KEY_MISSING')
    expect(failure(() => loadSigningKey({ file: join(dir, 'nope.nk') })).code).toBe('SIGNING_KEY_UNREADABLE')
    const acc = seed(createAccount())
    const e = failure(() => loadSigningKey({ seed: acc }))
    expect(e.code).toBe('SIGNING_KEY_INVALID')
    expect(e.message).toMatch(/account seed/)
    expect(JSON.stringify(e.toJSON()) + e.message).not.toContain(acc)
    // One changed character in the body: CRC-16 catches every such change.
    const good = seed(createOperator())
    const broken = good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21)
    const e2 = failure(() => loadSigningKey({ seed: broken }))
    expect(e2.code).toBe('SIGNING_KEY_INVALID')
    expect(e2.message).not.toContain(broken)
    expect(failure(() => loadSigningKey({ seed: 'hello' })).code).toBe('SIGNING_KEY_INVALID')
  })
})

describe('values in the wrong place are never echoed', () => {
  it('a seed where the signing key path belongs', () => {
    const secret = seed(createOperator())
    const e = failure(() => loadSigningKey({ file: secret }))
    expect(e.code).toBe('SIGNING_KEY_INVALID')
    expect(e.message + e.hint).not.toContain(secret)
    expect(e.hint).toMatch(/LATTICE_SIGNING_KEY_SEED/)
  })
  it('creds contents where the creds path belongs', async () => {
    const file = join(dir, 'inline.creds')
    await writeCreds(file, createAccount(), 'u')
    const text = (await import('node:fs')).readFileSync(file, 'utf8')
    const e = failure(() => readCreds(text))
    expect(e.code).toBe('CREDS_INVALID')
    expect(e.message + e.hint).not.toContain(text.match(/SU[A-Z2-7]{56}/)![0])
  })
  it('a creds file whose seed has a bad checksum', async () => {
    const file = join(dir, 'broken.creds')
    await writeCreds(file, createAccount(), 'u')
    const fs = await import('node:fs')
    const text = fs.readFileSync(file, 'utf8')
    const good = text.match(/SU[A-Z2-7]{56}/)![0]
    const bad = good.slice(0, 20) + (good[20] === 'A' ? 'B' : 'A') + good.slice(21)
    fs.writeFileSync(file, text.replace(good, bad))
    const e = failure(() => readCreds(file))
    expect(e.code).toBe('CREDS_INVALID')
    expect(e.message).not.toContain(bad)
  })
  it('passwords in server URLs', async () => {
    const { redactUrl } = await import('../../src/resolver/connection.js')
    expect(redactUrl('nats://admin:s3cret@host:4222')).toBe('nats://host:4222')
    expect(redactUrl('nats://token@host:4222')).toBe('nats://host:4222')
    expect(redactUrl('nats://host:4222')).toBe('nats://host:4222')
  })
})

describe('creds', () => {
  it('reads a creds file and names its account', async () => {
    const acc = createAccount()
    const file = join(dir, 'u.creds')
    await writeCreds(file, acc, 'u')
    expect(readCreds(file).user.account).toBe(acc.getPublicKey())
  })
  it('explains unreadable and invalid files without printing them', () => {
    expect(failure(() => readCreds(join(dir, 'missing.creds'))).code).toBe('CREDS_UNREADABLE')
    const file = join(dir, 'bad.creds')
    const secret = seed(createUser())
    writeFileSync(file, `not creds ${secret}`)
    const e = failure(() => readCreds(file))
    expect(e.code).toBe('CREDS_INVALID')
    expect(e.message).not.toContain(secret)
  })
})

describe('the command line kept in the history', () => {
  it('hides seeds and URL passwords', () => {
    const seed = new TextDecoder().decode(createOperator().getSeed())
    expect(
      commandLine([
        'shift',
        'actor',
        'M1',
        '-s',
        'nats://alice:s3cret@host:4222,nats://h2:4222',
        `--server=tls://tok@h3`,
        seed,
      ]),
    ).toBe('lattice shift actor M1 -s nats://host:4222,nats://h2:4222 --server=tls://h3 <redacted>')
  })
  it('keeps only the origin of http(s) URLs (webhook paths and ?token= are secrets), and no gate command', () => {
    const argv = [
      'rollout',
      'actor',
      'M1',
      '--gate-webhook',
      'https://hooks.example:8443/services/T0/B1/s3cretPath?token=abc',
      '--notify=http://chat.example/hook/s3cret',
      '--gate-prometheus',
      'http://prom:9090/api?token=abc',
      '--gate-cmd',
      'curl -H "Authorization: Bearer s3cret" x',
      '--gate-cmd=echo s3cret',
    ]
    const line = commandLine(argv)
    expect(line).toBe(
      'lattice rollout actor M1 --gate-webhook https://hooks.example:8443 --notify=http://chat.example --gate-prometheus http://prom:9090 --gate-cmd (a command: not recorded) --gate-cmd=(a command: not recorded)',
    )
    expect(line).not.toMatch(/s3cret|token/)
  })
})

describe('which operator key may sign', () => {
  const [identity, signingKey, stranger] = [createOperator(), createOperator(), createOperator()].map((k) =>
    k.getPublicKey(),
  )
  const facts = (strict: boolean): ServerFacts => ({
    server: 'n1',
    version: '2.9.10',
    trustedKeys: new Set([identity, signingKey]),
    knowsTrust: true,
    strictIdentityKeys: new Set(strict ? [identity] : []),
    beyondCluster: false,
  })
  it('an operator in strict signing-key mode refuses its identity key, not its signing keys', () => {
    const e = failure(() => assertTrustedIssuer(facts(true), identity, 'The signing key'))
    expect(e.code).toBe('UNTRUSTED_KEY')
    expect(e.message).toMatch(
      /is the operator's identity key, and the operator requires account JWTs to be signed by one of its signing keys \(strict_signing_key_usage/,
    )
    expect(() => assertTrustedIssuer(facts(true), signingKey, 'The signing key')).not.toThrow()
  })
  it('without strict mode both keys sign; a key the operator does not know never does', () => {
    expect(() => assertTrustedIssuer(facts(false), identity, 'The signing key')).not.toThrow()
    expect(failure(() => assertTrustedIssuer(facts(false), stranger, 'The signing key')).message).toMatch(
      /is not trusted/,
    )
    expect(failure(() => assertTrustedIssuer(facts(true), stranger, 'The signing key')).message).toMatch(
      /is not trusted/,
    )
  })
})
