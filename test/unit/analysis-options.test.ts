import { describe, expect, it } from 'vitest'
import { emptyWindow, sharesOf, windowBetween } from '../../src/analysis/collector.js'
import { analysisPlan, flagName } from '../../src/analysis/options.js'
import type { MetricsReport } from '../../src/host-core/metrics-report.js'

const asFlag = (k: string) => (k === 'mode' ? '--analysis' : flagName(k as never))

describe('analysis settings', () => {
  it('defaults: auto, failure limit 0, two inconclusive judgements, one pass', () => {
    const p = analysisPlan({}, asFlag)
    expect(p).toMatchObject({ mode: 'auto', failureLimit: 0, inconclusiveLimit: 2, successes: 1 })
    expect(p.thresholds.latencyTolerance).toEqual({ percent: 20 })
  })

  it('takes flag strings and spec numbers alike', () => {
    const p = analysisPlan(
      { minCalls: '100', latencyTolerance: '5ms', critical: 'error-rate,latency', maxP99Ms: 250, successes: 3 },
      asFlag,
    )
    expect(p.thresholds).toMatchObject({
      minCalls: 100,
      latencyTolerance: { ms: 5 },
      critical: ['error-rate', 'latency'],
      maxP99Ms: 250,
    })
    expect(p.successes).toBe(3)
    expect(analysisPlan({ critical: ['latency'] }, asFlag).thresholds.critical).toEqual(['latency'])
  })

  it('names the flag (or spec key) and the fix for each bad value', () => {
    expect(() => analysisPlan({ minCalls: '0' }, asFlag)).toThrow(
      /--analysis-min-calls "0" is not a whole number from 1/,
    )
    expect(() => analysisPlan({ confidence: 'high' }, asFlag)).toThrow(
      /--analysis-confidence "high" is not a number from 0.5 to 0.999/,
    )
    expect(() => analysisPlan({ latencyTolerance: 'fast' }, (k) => `analysis.${k}`)).toThrow(
      /analysis.latencyTolerance "fast" is neither a percent nor milliseconds/,
    )
    expect(() => analysisPlan({ critical: 'errors' }, asFlag)).toThrow(
      /--analysis-critical "errors" is not a metric \(error-rate, latency, p95, p99\)/,
    )
    expect(() => analysisPlan({ mode: 'maybe' }, asFlag)).toThrow(
      /--analysis "maybe" is not one of auto, on, off, dry-run/,
    )
  })
})

describe('windows between two sets of reports', () => {
  const entity = { kind: 'actor' as const, id: 'MA' }
  const report = (
    host: string,
    startedAt: number,
    calls: Record<string, [number, number, [number, number][]]>,
  ): MetricsReport => ({
    v: 1,
    lattice: 'default',
    host,
    startedAt,
    seq: 1,
    time: 0,
    intervalMs: 1000,
    versions: Object.entries(calls).map(([version, [c, e, latency]]) => ({
      kind: 'actor',
      id: 'MA',
      version,
      calls: c,
      errors: e,
      latency,
    })),
  })

  it('sums differences over hosts; a host that restarted or appeared counts from zero', () => {
    const from = new Map([
      ['h1', report('h1', 1, { v1: [10, 1, [[3, 10]]] })],
      ['h2', report('h2', 1, { v2: [5, 0, [[4, 5]]] })],
    ])
    const to = new Map([
      [
        'h1',
        report('h1', 1, {
          v1: [
            30,
            2,
            [
              [3, 25],
              [5, 5],
            ],
          ],
        }),
      ],
      ['h2', report('h2', 2, { v2: [7, 1, [[4, 7]]] })], // restarted
      ['h3', report('h3', 1, { v1: [4, 0, [[3, 4]]] })], // new
    ])
    const w = windowBetween(from, to, entity)
    expect(w.get('v1')).toMatchObject({ calls: 24, errors: 1 })
    expect(w.get('v1')?.latency[3]).toBe(19)
    expect(w.get('v1')?.latency[5]).toBe(5)
    expect(w.get('v2')).toMatchObject({ calls: 7, errors: 1 })
    expect(sharesOf(w)).toEqual({ v1: (24 / 31) * 100, v2: (7 / 31) * 100 })
    expect(emptyWindow().latency).toHaveLength(98)
  })
})
