import { describe, expect, it } from 'vitest'
import { checkHost } from '../../src/dashboard/run-dashboard.js'
import {
  allowedHosts,
  hostAllowed,
  isLoopback,
  newToken,
  originAllowed,
  tokenMatches,
} from '../../src/dashboard/security.js'
import { isLatticeError } from '../../src/errors.js'

describe('dashboard token', () => {
  it('is new each run, URL-safe, 256 bits', () => {
    const [a, b] = [newToken(), newToken()]
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
  it('matches only itself', () => {
    const t = newToken()
    expect(tokenMatches(t, t)).toBe(true)
    for (const wrong of [
      undefined,
      null,
      '',
      t.slice(1),
      `${t}x`,
      t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase(),
    ])
      expect(tokenMatches(wrong, t)).toBe(false)
  })
})

describe('dashboard Host and Origin checks', () => {
  const allowed = allowedHosts('127.0.0.1', 7420)
  it('accepts the loopback names with the port', () => {
    for (const h of ['127.0.0.1:7420', 'localhost:7420', 'LOCALHOST:7420', '[::1]:7420'])
      expect(hostAllowed(h, allowed), h).toBe(true)
  })
  it('refuses other names (DNS rebinding), other ports and no Host', () => {
    for (const h of ['evil.example:7420', '127.0.0.1:7421', '127.0.0.1', 'localhost', undefined])
      expect(hostAllowed(h, allowed), String(h)).toBe(false)
  })
  it('accepts the --host given', () => {
    expect(hostAllowed('dash.internal:80', allowedHosts('dash.internal', 80))).toBe(true)
    expect(hostAllowed('[fe80::1]:80', allowedHosts('fe80::1', 80))).toBe(true)
  })
  it('an Origin must be the page itself; none is fine (not a browser)', () => {
    expect(originAllowed(undefined, '127.0.0.1:7420')).toBe(true)
    expect(originAllowed('http://127.0.0.1:7420', '127.0.0.1:7420')).toBe(true)
    expect(originAllowed('http://evil.example', '127.0.0.1:7420')).toBe(false)
    expect(originAllowed('https://127.0.0.1:7420', '127.0.0.1:7420')).toBe(false)
    expect(originAllowed('null', '127.0.0.1:7420')).toBe(false)
  })
  it('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopback(h), h).toBe(true)
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopback(h), h).toBe(false)
  })
  it('a non-loopback --host needs --allow-remote, and then warns why', () => {
    let err: unknown
    try {
      checkHost('0.0.0.0', false)
    } catch (e) {
      err = e
    }
    expect(isLatticeError(err) && err.code).toBe('REMOTE_NOT_ALLOWED')
    expect(checkHost('0.0.0.0', true)).toMatch(/plain HTTP/)
    expect(checkHost('127.0.0.1', false)).toBeUndefined()
  })
})
