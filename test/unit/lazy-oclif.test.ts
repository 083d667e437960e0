/** The stand-ins scripts/bundle.js puts in place of packages oclif seldom uses (scripts/lazy-oclif.js). */
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a build script in plain JavaScript, without types
import { LAZY } from '../../scripts/lazy-oclif.js'

/** Evaluate a stand-in with a `lazy()` that counts how often the real package was asked for. */
function standIn(name: string, real: Record<string, unknown>, env: Record<string, string | undefined> = {}) {
  const module = { exports: {} as Record<string, (...a: unknown[]) => unknown> }
  const calls = { lazy: 0 }
  const lazy = () => (calls.lazy++, real)
  new Function('module', 'exports', 'lazy', 'process', (LAZY as Record<string, string>)[name])(module, module.exports, lazy, { env })
  return { exports: module.exports, calls }
}

describe('lazy stand-ins for oclif', () => {
  it('minimatch: a pattern without glob syntax is compared as a string; any glob goes to the real minimatch', () => {
    const real = { minimatch: (p: unknown, w: unknown) => `real:${p}:${w}` }
    const { exports, calls } = standIn('minimatch', real)
    expect(exports.minimatch('@oclif/plugin-autocomplete', '@oclif/plugin-autocomplete')).toBe(true)
    expect(exports.minimatch('@oclif/plugin-help', '@oclif/plugin-autocomplete')).toBe(false)
    expect(calls.lazy).toBe(0)
    for (const glob of ['@oclif/plugin-*', 'a?c', '[ab]', 'a{b,c}', '!@oclif/x', '#comment', '@(a|b)', '+(a)', 'a\\*']) {
      expect(exports.minimatch('x', glob), glob).toBe(`real:x:${glob}`)
    }
    expect(exports.minimatch('a', 'a', { dot: true })).toBe('real:a:a')
    expect(calls.lazy).toBe(10)
  })

  it('ejs: a string without a template tag is itself; one with a tag is rendered by ejs', () => {
    const { exports, calls } = standIn('ejs', { render: (t: string) => `rendered ${t}` })
    expect(exports.render('plain text', {})).toBe('plain text')
    expect(calls.lazy).toBe(0)
    expect(exports.render('<%= config.bin %>', {})).toBe('rendered <%= config.bin %>')
  })

  it('debug: off without DEBUG (the real debug never loaded), the real one with it', () => {
    const off = standIn('debug', {}, {})
    const log = (off.exports as unknown as (ns: string) => { enabled: boolean; extend: () => unknown })('oclif:config')
    expect(log.enabled).toBe(false)
    expect(log.extend()).toBe(log)
    expect(off.calls.lazy).toBe(0)
    const real = { real: true }
    const on = standIn('debug', real, { DEBUG: 'oclif:*' })
    expect(on.exports).toBe(real)
  })
})
