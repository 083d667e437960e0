/** docs/host-protocol.md is a spec other hosts implement: its test vectors and formulas must be lattice's own. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LATENCY_BOUNDS_MS } from '../../src/host-core/metrics-report.js'
import { entityQueueGroup, unversionedSubject, versionToken, versionedSubject } from '../../src/subjects/index.js'

const spec = readFileSync(new URL('../../docs/host-protocol.md', import.meta.url), 'utf8')

describe('docs/host-protocol.md', () => {
  it('every version-token test vector is what lattice computes (composed and decomposed alike)', () => {
    const rows = [
      ...spec.matchAll(/^\| `([^`]+)`(?: \((composed|decomposed)\))? \| ([^|]+) \| `([A-Za-z0-9_-]+)` \|$/gm),
    ]
    expect(rows.length).toBeGreaterThanOrEqual(9)
    for (const [, shown, form, codePoints, token] of rows) {
      // The code points column is authoritative where given (the decomposed row looks like the composed one).
      const version = /^U\+/.test(codePoints.trim())
        ? String.fromCodePoint(
            ...codePoints
              .trim()
              .split(' ')
              .map((c) => Number.parseInt(c.slice(2), 16)),
          )
        : shown
      expect(versionToken(version), `${shown} ${form ?? ''}`).toBe(token)
    }
    expect(rows.some(([, , form]) => form === 'decomposed')).toBe(true)
  })

  it('its subject and queue-group table matches the subjects module', () => {
    const actor = { kind: 'actor' as const, id: 'MACTOR' }
    const provider = { kind: 'provider' as const, id: 'VPROV', link: 'L' }
    expect(unversionedSubject('lat', actor)).toBe('wasmbus.rpc.lat.MACTOR')
    expect(versionedSubject('lat', actor, 'v2')).toBe('wasmbus.rpc.lat.MACTOR.djI')
    expect(versionedSubject('lat', provider, 'v2')).toBe('wasmbus.rpc.lat.VPROV.L.djI')
    expect(entityQueueGroup(provider)).toBe('VPROV.L')
    expect(spec).toContain(
      '| actor `M...` | `wasmbus.rpc.{lattice}.{actor id}` | `wasmbus.rpc.{lattice}.{actor id}.{token(V)}` |',
    )
    expect(spec).toContain('`{provider id}.{link}`')
  })

  it("its latency bucket formula is host-core's", () => {
    expect(spec).toContain('`B(i) = 0.01 * 2^(i/4)`; bucket 97 holds longer ones')
    expect(LATENCY_BOUNDS_MS.length).toBe(97)
    LATENCY_BOUNDS_MS.forEach((b, i) => expect(b).toBeCloseTo(0.01 * 2 ** (i / 4), 12))
  })
})
