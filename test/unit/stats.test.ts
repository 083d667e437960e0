import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../src/plan/duration.js'
import { chiSquareTest, chiSquareUpperTail } from '../../src/stats/chi-square.js'

describe('chi-square', () => {
  it('upper tail matches tables', () => {
    // Critical values: P(X > x) for k degrees of freedom.
    expect(chiSquareUpperTail(3.841, 1)).toBeCloseTo(0.05, 3)
    expect(chiSquareUpperTail(6.635, 1)).toBeCloseTo(0.01, 3)
    expect(chiSquareUpperTail(5.991, 2)).toBeCloseTo(0.05, 3)
    expect(chiSquareUpperTail(16.266, 3)).toBeCloseTo(0.001, 4)
    expect(chiSquareUpperTail(0, 2)).toBe(1)
    expect(chiSquareUpperTail(200, 4)).toBeLessThan(1e-30)
  })
  it('accepts a split drawn from the weights and rejects a different one', () => {
    expect(chiSquareTest([6971, 3029], [70, 30]).pValue).toBeGreaterThan(0.5) // measured on nats-server
    expect(chiSquareTest([5000, 5000], [70, 30]).pValue).toBeLessThan(1e-10)
    expect(chiSquareTest([10, 1], [100, 0]).pValue).toBe(0)
  })
})

describe('durations', () => {
  it('parses what users write', () => {
    expect(parseDuration('30s', '--interval')).toBe(30_000)
    expect(parseDuration('500ms', '--interval')).toBe(500)
    expect(parseDuration('1m30s', '--for')).toBe(90_000)
    expect(parseDuration('1.5s', '--for')).toBe(1500)
    expect(formatDuration(90_000)).toBe('1m30s')
    expect(formatDuration(1500)).toBe('1.5s')
  })
  it('refuses the rest with the flag named', () => {
    for (const bad of ['30', 's', '10 minutes', '0s', '-1s', '1d'])
      expect(() => parseDuration(bad, '--interval')).toThrow(/--interval|longer than 0/)
  })
})
