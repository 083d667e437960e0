/** The smaller findings of the security review (issue #29, item 6), each failing before its fix. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createOperator, createUser } from 'nkeys.js'
import { encodeUser, fmtCreds } from 'nats-jwt'
import { createAccount } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { loadSigningKey } from '../../src/auth/signing-key.js'
import { fillQuery } from '../../src/plan/gate-config.js'
import { envWithoutSecrets } from '../../src/redact.js'
import { parseSpec } from '../../src/spec/parse.js'
import { newActorId } from '../helpers/ids.js'

const dir = mkdtempSync(join(tmpdir(), 'lattice-hardening-'))
const seed = new TextDecoder().decode(createOperator().getSeed())

describe('files that hold a seed', () => {
  it('are refused when group or others may read them (as ssh does), unless LATTICE_ALLOW_OPEN_KEYS=1', async () => {
    const key = join(dir, 'op.nk')
    writeFileSync(key, seed, { mode: 0o644 })
    chmodSync(key, 0o644)
    expect(() => loadSigningKey({ file: key })).toThrow(
      expect.objectContaining({
        code: 'KEY_FILE_OPEN',
        message: expect.stringMatching(/its group and everyone may read it \(mode 0644\)/),
      }),
    )
    process.env.LATTICE_ALLOW_OPEN_KEYS = '1'
    try {
      expect(loadSigningKey({ file: key }).getPublicKey()).toMatch(/^O/)
    } finally {
      delete process.env.LATTICE_ALLOW_OPEN_KEYS
    }
    chmodSync(key, 0o600)
    expect(loadSigningKey({ file: key }).getPublicKey()).toMatch(/^O/)

    const user = createUser()
    const creds = join(dir, 'u.creds')
    writeFileSync(creds, fmtCreds(await encodeUser('u', user, createAccount()), user), { mode: 0o640 })
    chmodSync(creds, 0o640)
    expect(() => readCreds(creds)).toThrow(
      expect.objectContaining({
        code: 'KEY_FILE_OPEN',
        message: expect.stringMatching(/its group may read it \(mode 0640\)/),
      }),
    )
    expect(() => readCreds(creds)).not.toThrow(seed)
  })
})

describe('PromQL placeholders', () => {
  it('are escaped as the content of a quoted label value', () => {
    expect(
      fillQuery('rate(x{version="{{to}}"}[1m])', {
        lattice: 'default',
        id: 'M',
        link: '',
        from: 'v1',
        to: 'v2",job="evil',
      }),
    ).toBe('rate(x{version="v2\\",job=\\"evil"}[1m])')
    expect(fillQuery('x{v="{{to}}"}', { lattice: 'd', id: 'M', link: '', from: 'a', to: 'b\\\n' })).toBe(
      'x{v="b\\\\\\n"}',
    )
  })
})

describe('a spec cluster named __proto__', () => {
  it('is refused with its place, not taken as a prototype', () => {
    expect(() =>
      parseSpec(`splits:\n  - actor: ${newActorId()}\n    clusters: { __proto__: { "1.0.0": 100 } }\n`, 'c.yaml'),
    ).toThrow(
      /c\.yaml:3:17 INVALID_CLUSTER.*"__proto__" is invalid: it is the name JavaScript gives an object's prototype/,
    )
  })
})

describe('a spec key lattice does not know', () => {
  it('is quoted cut short: a 10,000-character key does not print itself whole', () => {
    let message = ''
    try {
      parseSpec(`? ${'k'.repeat(10_000)}\n: 1\n`, 'long.yaml') // an explicit key: YAML allows 1,024 characters to an implicit one
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/UNKNOWN_KEY Unknown key "k{60}…" \(10000 characters\)/)
    expect(message.length).toBeLessThan(600)
  })
})

describe('programs lattice starts (a gate command, the browser)', () => {
  it('get no seed: neither LATTICE_SIGNING_KEY_SEED nor any variable holding one', () => {
    const env = envWithoutSecrets({
      PATH: '/bin',
      LATTICE_SIGNING_KEY_SEED: seed,
      SOMETHING: `x ${seed}`,
      HOME: '/root',
    })
    expect(env).toEqual({ PATH: '/bin', HOME: '/root' })
  })
})
