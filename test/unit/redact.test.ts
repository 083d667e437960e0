/** Seeds and creds content never reach output: the redaction and the misplaced-secret refusal. */
import { createAccount, createCluster, createCurve, createOperator, createServer, createUser } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { findMisplacedSecret, misplacedSecretError } from '../../src/cli/misplaced-secret.js'
import { guardStream } from '../../src/cli/output-guard.js'
import { fmtCreds as fmtCredsBytes } from 'nats-jwt'
import { CREDS_MARKER, SEED_MARKER, containsSecret, redact, redactDeep, secretIn } from '../../src/redact.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)
const fmtCreds = (jwt: string, kp: ReturnType<typeof createUser>) => text(fmtCredsBytes(jwt, kp))
const seeds = [createOperator(), createAccount(), createUser(), createServer(), createCluster(), createCurve()].map(
  (kp) => text(kp.getSeed()),
)
const op = seeds[0]

describe('redact', () => {
  it('replaces a seed of every key type, wherever it sits in the text', () => {
    for (const s of seeds) {
      expect(s).toHaveLength(58)
      for (const around of [s, `"${s}" is not an actor ID`, `--to=${s}`, `nats://${s}:4222`, `x${s}y`, `a.b.${s}.c`]) {
        const out = redact(around)
        expect(out).not.toContain(s.slice(2, 20))
        expect(out).toContain(SEED_MARKER)
      }
    }
  })
  it('also a seed with a broken checksum, and a provider/actor-type seed', () => {
    const broken = `${op.slice(0, 40)}${op[40] === 'A' ? 'B' : 'A'}${op.slice(41)}`
    expect(redact(`x ${broken} y`)).toBe(`x ${SEED_MARKER} y`)
    expect(redact(`SV${'A'.repeat(56)}`)).toBe(SEED_MARKER)
    expect(redact(`SM${'7'.repeat(56)}`)).toBe(SEED_MARKER)
  })
  it('leaves public keys, subjects, JWT parts and ordinary words alone', () => {
    const pub = createAccount().getPublicKey()
    const samples = [
      pub,
      `wasmbus.rpc.default.${pub}.djI`,
      'SERVERS SAY HELLO',
      `S${'A'.repeat(55)}`,
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ',
    ]
    for (const s of samples) expect(redact(s)).toBe(s)
  })
  it('replaces the body of a creds file, also when cut short', async () => {
    const user = createUser()
    const creds = fmtCreds('eyJhbGciOi.eyJzdWIiOi.sig', user)
    const out = redact(`before\n${creds}\nafter`)
    expect(out).not.toContain('eyJzdWIiOi')
    expect(out).not.toContain(text(user.getSeed()))
    expect(out).toContain(CREDS_MARKER)
    expect(out.startsWith('before\n')).toBe(true)
    expect(out.trimEnd().endsWith('after')).toBe(true)
    expect(redact('-----BEGIN NATS USER JWT-----\neyJhbGciOi.eyJzdWIiOi')).toBe(CREDS_MARKER)
    expect(secretIn(creds)).toBe('creds')
    expect(secretIn(op)).toBe('seed')
    expect(containsSecret('v2')).toBe(false)
  })
  it('redactDeep cleans every string of a record, keys too', () => {
    const rec = { command: `lattice ${op}`, n: 3, list: [op, { [op]: true }], nothing: null }
    expect(JSON.stringify(redactDeep(rec))).not.toContain(op)
    expect(redactDeep(rec).n).toBe(3)
  })
})

describe('a secret in the wrong place', () => {
  const flags = {
    server: { char: 's', type: 'option', env: 'NATS_URL' },
    to: { type: 'option' },
    force: { type: 'boolean' },
    'signing-key': { type: 'option', env: 'LATTICE_SIGNING_KEY' },
    creds: { type: 'option', env: 'NATS_CREDS' },
  }
  const find = (argv: string[], env: NodeJS.ProcessEnv = {}) => findMisplacedSecret(argv, flags, ['id'], env)
  it('names the flag, the argument or the env var, never the value', () => {
    expect(find(['M1', '--to', op])?.where).toBe('--to')
    expect(find(['M1', `--to=${op}`])?.where).toBe('--to')
    expect(find(['-s', op])?.where).toBe('--server')
    expect(find([`-s${op}`])?.where).toBe('--server')
    expect(find(['--force', op])?.where).toBe('argument ID')
    expect(find(['--', op])?.where).toBe('argument ID')
    expect(find(['M1', 'extra', op])?.where).toBe('an argument')
    expect(find([`--${op}`])?.where).toBe('the command line')
    expect(find([fmtCreds('a.b.c', createUser())])?.where).toBe('argument ID')
    expect(find(['M1'], { NATS_URL: op })?.where).toBe('NATS_URL (--server)')
    expect(find(['M1', '--to', 'v2'], { NATS_URL: 'nats://x', LATTICE_SIGNING_KEY_SEED: op })).toBeUndefined()
    const e = misplacedSecretError(find(['M1', '--creds', fmtCreds('a.b.c', createUser())])!)
    expect(e.code).toBe('SEED_MISPLACED')
    expect(e.exitCode).toBe(4)
    expect(e.message).toMatch(/--creds holds the contents of a creds file/)
    expect(e.hint).toMatch(/file/)
    const s = misplacedSecretError(find(['--signing-key', op])!)
    expect(s.hint).toMatch(/LATTICE_SIGNING_KEY_SEED/)
    expect(JSON.stringify(s.toJSON())).not.toContain(op)
  })
})

describe('the output guard', () => {
  it('redacts strings and buffers written to a stream, passing the callback on', () => {
    const written: string[] = []
    const stream = {
      write: (chunk: unknown, ...rest: unknown[]) => {
        written.push(chunk instanceof Uint8Array ? Buffer.from(chunk).toString() : String(chunk))
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined
        cb?.()
        return true
      },
    }
    guardStream(stream as unknown as NodeJS.WriteStream)
    guardStream(stream as unknown as NodeJS.WriteStream) // twice is once
    let called = 0
    stream.write(`Error: "${op}" is not an actor ID\n`)
    stream.write(Buffer.from(`{"to":"${op}"}\n`), () => called++)
    stream.write(new TextEncoder().encode('plain\n'), 'utf8', () => called++)
    expect(written).toEqual([`Error: "${SEED_MARKER}" is not an actor ID\n`, `{"to":"${SEED_MARKER}"}\n`, 'plain\n'])
    expect(called).toBe(2)
  })
})
