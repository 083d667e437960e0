import { describe, expect, it } from 'vitest'
import { LatticeError } from '../../src/errors.js'
import { parseWeight, scaleWeights, shiftWeights, sumWeights } from '../../src/plan/weights.js'

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof LatticeError ? e.code : `not a LatticeError: ${e}`
  }
  return undefined
}

describe('shiftWeights', () => {
  it('with --from, the remainder goes to --from', () => {
    expect(shiftWeights(undefined, { from: 'v1', to: 'v2', weight: 30 })).toEqual({ v1: 70, v2: 30 })
  })
  it('without --from, other versions keep their relative shares', () => {
    expect(shiftWeights({ v1: 70, v2: 30 }, { to: 'v2', weight: 60 })).toEqual({ v1: 40, v2: 60 })
    expect(shiftWeights({ v1: 40, v2: 60 }, { to: 'v3', weight: 10 })).toEqual({ v1: 36, v2: 54, v3: 10 })
  })
  it('rounds by largest remainder, deterministically, to exactly 100', () => {
    // 1,1,1,97 scaled to 50: exact shares 0.5,0.5,0.5,48.5 -> the larger weight wins the tie first
    expect(shiftWeights({ a: 1, b: 1, c: 1, d: 97 }, { to: 'e', weight: 50 })).toEqual({ a: 1, d: 49, e: 50 })
    // regression: ties must not be decided by floating-point noise
    expect(shiftWeights({ a: 1, b: 2, c: 97 }, { to: 'd', weight: 80 })).toEqual({ c: 20, d: 80 })
    // equal fractions: the earlier entry gets the extra point
    expect(scaleWeights({ a: 1, b: 1, c: 1 }, 100)).toEqual({ a: 34, b: 33, c: 33 })
    expect(scaleWeights({ a: 50, b: 50 }, 33)).toEqual({ a: 17, b: 16 })
  })
  it('always sums to 100 over many random cases', () => {
    let seed = 7
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    for (let i = 0; i < 2000; i++) {
      const k = 1 + rnd(6)
      const raw = Array.from({ length: k }, () => 1 + rnd(50))
      const current = scaleWeights(Object.fromEntries(raw.map((w, j) => [`v${j}`, w])), 100)
      const to = `v${rnd(k + 1)}`
      const weight = rnd(101)
      const from = rnd(2) === 0 ? undefined : `v${rnd(k + 2)}`
      const onlyTo = Object.keys(current).every((v) => v === to)
      const fromOverfull =
        from !== undefined &&
        from !== to &&
        100 - weight < sumWeights(Object.fromEntries(Object.entries(current).filter(([v]) => v !== to && v !== from)))
      if (from === to || (from === undefined && onlyTo && weight < 100) || fromOverfull) {
        const expected = from === undefined ? 'MISSING_FROM' : 'INVALID_SHIFT'
        expect(code(() => shiftWeights(current, { to, weight, from }))).toBe(expected)
        continue
      }
      const next = shiftWeights(current, { to, weight, from })
      expect(sumWeights(next)).toBe(100)
      expect(next[to] ?? 0).toBe(weight)
      expect(Object.values(next).every((w) => Number.isInteger(w) && w > 0)).toBe(true)
    }
  })
  it('handles versions named like Object.prototype members', () => {
    for (const v of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const w = shiftWeights({ v1: 100 }, { from: 'v1', to: v, weight: 30 })
      expect(Object.entries(w)).toEqual([
        ['v1', 70],
        [v, 30],
      ])
      expect(Object.entries(shiftWeights(w, { to: 'v1', weight: 50 }))).toEqual([
        ['v1', 50],
        [v, 50],
      ])
    }
  })
  it('weight 0 removes a version', () => {
    expect(shiftWeights({ v1: 40, v2: 60 }, { to: 'v2', weight: 0 })).toEqual({ v1: 100 })
    expect(shiftWeights({ v1: 40, v2: 60 }, { from: 'v1', to: 'v2', weight: 0 })).toEqual({ v1: 100 })
  })
  it('weight 100 keeps an explicit 100% mapping', () => {
    expect(shiftWeights({ v1: 40, v2: 60 }, { to: 'v2', weight: 100 })).toEqual({ v2: 100 })
    expect(shiftWeights(undefined, { to: 'v2', weight: 100 })).toEqual({ v2: 100 })
  })
  it('with --from, other versions keep their weights', () => {
    expect(shiftWeights({ v1: 50, v2: 30, v3: 20 }, { from: 'v1', to: 'v2', weight: 40 })).toEqual({
      v1: 40,
      v2: 40,
      v3: 20,
    })
  })
  it('refuses what cannot be done', () => {
    expect(code(() => shiftWeights(undefined, { to: 'v2', weight: 30 }))).toBe('MISSING_FROM')
    expect(code(() => shiftWeights({ v2: 100 }, { to: 'v2', weight: 30 }))).toBe('MISSING_FROM')
    expect(code(() => shiftWeights({ v1: 50, v2: 30, v3: 20 }, { from: 'v1', to: 'v2', weight: 90 }))).toBe(
      'INVALID_SHIFT',
    )
    expect(code(() => shiftWeights(undefined, { from: 'v1', to: 'v1', weight: 30 }))).toBe('INVALID_SHIFT')
    expect(code(() => shiftWeights(undefined, { from: 'v1', to: 'v2', weight: 101 }))).toBe('INVALID_WEIGHT')
  })
})

describe('parseWeight', () => {
  it.each(['0', '30', '100', ' 7 '])('accepts %s', (w) => expect(parseWeight(w)).toBe(Number(w)))
  it.each(['-1', '101', '30.5', 'abc', '', '1e2', '0x10'])('rejects %s', (w) =>
    expect(code(() => parseWeight(w))).toBe('INVALID_WEIGHT'),
  )
})
