import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  clusterNameProblem,
  encodePublicKey,
  entityIdProblem,
  routeTokenProblem,
  parseUnversionedSubject,
  parseVersionedSubject,
  publicKeyProblem,
  tokenProblem,
  unversionedSubject,
  versionFromToken,
  versionProblem,
  versionToken,
  versionedSubject,
} from '../../src/subjects/index.js'

describe('version token', () => {
  it('is unpadded base64url of the UTF-8 bytes', () => {
    expect(versionToken('v2')).toBe('djI')
    expect(versionToken('1.2.0')).toBe('MS4yLjA')
    expect(versionToken('ü>*.')).not.toMatch(/[.*> =]/)
  })
  it('round-trips', () => {
    for (const v of ['v1', '1.0.0', '2.0.0-rc.1+build.5', 'ü', 'a'.repeat(128)])
      expect(versionFromToken(versionToken(v))).toBe(v)
  })
  it('is the same for a version written composed or decomposed (Unicode NFC)', () => {
    const composed = 'caf\u00e9-1'
    const decomposed = 'cafe\u0301-1'
    expect(composed).not.toBe(decomposed)
    expect(versionToken(decomposed)).toBe(versionToken(composed))
    expect(versionedSubject('default', { kind: 'actor', id: 'MX' }, decomposed)).toBe(
      versionedSubject('default', { kind: 'actor', id: 'MX' }, composed),
    )
    // The token reads back as the NFC name; a token of the decomposed bytes is not one of ours.
    expect(versionFromToken(versionToken(decomposed))).toBe(composed)
    expect(versionFromToken(Buffer.from(decomposed).toString('base64url'))).toBeUndefined()
    // The byte limit counts the NFC form.
    expect(versionProblem('e\u0301'.repeat(64))).toBeUndefined()
  })
  it('does not decode tokens we could not have made', () => {
    expect(versionFromToken('_drop')).toBeUndefined() // length 1 mod 4
    expect(versionFromToken('dj=')).toBeUndefined()
    expect(versionFromToken('djJ')).toBeUndefined() // non-canonical encoding of "v2"
    expect(versionFromToken('')).toBeUndefined()
  })
  it('validates versions', () => {
    expect(versionProblem('')).toMatch(/empty/)
    expect(versionProblem('1 0')).toMatch(/whitespace/)
    expect(versionProblem('a'.repeat(129))).toMatch(/128 bytes/)
    expect(versionProblem('ü'.repeat(65))).toMatch(/128 bytes/)
    expect(versionProblem('1.0.0')).toBeUndefined()
    expect(versionProblem('v\uD800')).toMatch(/not valid Unicode/)
  })
})

describe('entity keys', () => {
  const actor = encodePublicKey('module', randomBytes(32))
  const provider = encodePublicKey('service', randomBytes(32))
  it('accepts valid module and service keys', () => {
    expect(actor[0]).toBe('M')
    expect(provider[0]).toBe('V')
    expect(entityIdProblem('actor', actor)).toBeUndefined()
    expect(entityIdProblem('provider', provider)).toBeUndefined()
  })
  it('rejects the wrong kind, bad length and bad checksum', () => {
    expect(entityIdProblem('actor', provider)).toMatch(/start with "M"/)
    expect(entityIdProblem('provider', actor)).toMatch(/start with "V"/)
    expect(entityIdProblem('actor', actor.slice(0, 55))).toMatch(/56 characters/)
    const flipped = actor.slice(0, 10) + (actor[10] === 'A' ? 'B' : 'A') + actor.slice(11)
    expect(entityIdProblem('actor', flipped)).toMatch(/checksum/)
    expect(entityIdProblem('actor', `M${'1'.repeat(55)}`)).toMatch(/characters outside/)
  })
  it('checks account keys', () => {
    expect(publicKeyProblem(encodePublicKey('account', randomBytes(32)), 'account')).toBeUndefined()
    expect(publicKeyProblem('ABC', 'account')).toBeDefined()
  })
})

describe('subjects', () => {
  const actor = encodePublicKey('module', randomBytes(32))
  const provider = encodePublicKey('service', randomBytes(32))
  it('builds and parses actor and provider subjects', () => {
    expect(unversionedSubject('default', { kind: 'actor', id: actor })).toBe(`wasmbus.rpc.default.${actor}`)
    expect(versionedSubject('default', { kind: 'actor', id: actor }, 'v2')).toBe(`wasmbus.rpc.default.${actor}.djI`)
    expect(versionedSubject('lab', { kind: 'provider', id: provider, link: 'db' }, '0.4.0')).toBe(
      `wasmbus.rpc.lab.${provider}.db.MC40LjA`,
    )
    expect(parseUnversionedSubject('default', `wasmbus.rpc.default.${actor}`)).toEqual({ kind: 'actor', id: actor })
    expect(parseUnversionedSubject('default', `wasmbus.rpc.default.${provider}.db`)).toEqual({
      kind: 'provider',
      id: provider,
      link: 'db',
    })
    expect(parseUnversionedSubject('default', `wasmbus.rpc.other.${actor}`)).toBeUndefined()
    expect(parseUnversionedSubject('default', 'orders.new')).toBeUndefined()
  })
  it('parses versioned subjects (what status counts as running instances)', () => {
    expect(parseVersionedSubject('default', `wasmbus.rpc.default.${actor}.djI`)).toEqual({
      entity: { kind: 'actor', id: actor },
      version: 'v2',
    })
    expect(parseVersionedSubject('lab', `wasmbus.rpc.lab.${provider}.db.MC40LjA`)).toEqual({
      entity: { kind: 'provider', id: provider, link: 'db' },
      version: '0.4.0',
    })
    expect(parseVersionedSubject('default', `wasmbus.rpc.default.${actor}._drop`)).toBeUndefined() // the fault subject
    expect(parseVersionedSubject('default', `wasmbus.rpc.default.${actor}`)).toBeUndefined()
    expect(parseVersionedSubject('default', 'wasmbus.rpc.default.MNOTAKEY.djI')).toBeUndefined()
  })
  it('validates single tokens', () => {
    expect(tokenProblem('default')).toBeUndefined()
    for (const bad of ['', 'a.b', '*', '>', 'a b', 'a\tb', 'a\nb', 'a\rb', 'a\fb'])
      expect(tokenProblem(bad), JSON.stringify(bad)).toBeDefined()
  })
  it('follows nats-server: "*" and ">" inside a token are literals', () => {
    for (const ok of ['a*b', 'a>', '*a', '>>', 'x*', 'ü', '{{', '$', '$x', 'a{{b}}'])
      expect(tokenProblem(ok), ok).toBeUndefined()
    expect(tokenProblem('*')).toMatch(/wildcard "\*"/)
  })
  it('says where lattice is deliberately stricter than the server', () => {
    expect(tokenProblem('a b')).toMatch(/whitespace \(NATS subjects cannot\)/)
    expect(tokenProblem('a\u00a0b')).toMatch(/lattice refuses every kind/)
    expect(tokenProblem('a\u0001b')).toMatch(/control characters \(lattice refuses them/)
    expect(tokenProblem('a\u0085b')).toBeDefined()
    expect(tokenProblem('a\uDC00')).toMatch(/not valid Unicode/)
  })
  it('refuses lattice and link names nats-server would read as a mapping function or wildcard reference', () => {
    for (const fn of ['{{foo()}}', '{{wildcard(1)}}', '{{Partition(2)}}', '{{x}}'])
      expect(routeTokenProblem(fn), fn).toMatch(/as a mapping function/)
    for (const ref of ['$1', '$0', '$+2', '$-1', '$12'])
      expect(routeTokenProblem(ref), ref).toMatch(/as a wildcard reference/)
    // Not the server's forms: literals.
    for (const ok of ['{{}}', '{{x}', 'a{{x}}', '$', '$a', '$1a', 'default'])
      expect(routeTokenProblem(ok), ok).toBeUndefined()
    expect(routeTokenProblem('a.b')).toMatch(/contains "\."/)
  })
  it('cluster names follow the server: "." and wildcards are fine, spaces are not', () => {
    for (const ok of ['eu.west', 'a*b', '>', 'test', 'c-1']) expect(clusterNameProblem(ok), ok).toBeUndefined()
    expect(clusterNameProblem('we st')).toMatch(/nats-server cluster names cannot/)
    expect(clusterNameProblem('')).toMatch(/empty/)
    expect(clusterNameProblem('a\u0000')).toMatch(/control/)
  })
})
