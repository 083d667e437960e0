import { describe, expect, it } from 'vitest'
import { analysisOf, frameOf, rolloutEvents } from '../../src/dashboard/results-to-model.js'
import type { RouteStatus } from '../../src/ops/status.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'

const record = (startedAt: string, step: number, setWeight: number, phase: RolloutRecord['phase'] = 'running') =>
  ({
    plan: { entity: { kind: 'actor', id: 'MA' }, from: 'v1', to: 'v2', steps: [10, 30, 100] },
    lattice: 'default',
    phase,
    step,
    setWeight,
    stable: { v1: 100 },
    gates: [],
    startedAt,
    updatedAt: startedAt,
  }) as unknown as RolloutRecord

describe('rolloutEvents', () => {
  it("appends each change of one rollout, keeps the last N, and starts afresh for the entity's next rollout", () => {
    let events = rolloutEvents(undefined, record('t1', 0, 10), [], 'a', 3)
    expect(events.map((e) => e.text)).toEqual(['running, step 1, set 10%'])
    events = rolloutEvents(record('t1', 0, 10), record('t1', 0, 10), events, 'b', 3)
    expect(events).toHaveLength(1)
    events = rolloutEvents(record('t1', 0, 10), record('t1', 1, 30), events, 'c', 3)
    events = rolloutEvents(record('t1', 1, 30), record('t1', 2, 100, 'completed'), events, 'd', 3)
    expect(events.map((e) => e.text)).toEqual([
      'running, step 1, set 10%',
      'step 2: set 30%',
      'completed; step 3: set 100%',
    ])
    events = rolloutEvents(record('t1', 2, 100, 'completed'), record('t1', 2, 100, 'rolled-back'), events, 'e', 3)
    expect(events).toHaveLength(3)
    expect(events[0].text).toBe('step 2: set 30%')
    // Regression: the dashboard showed the previous rollout's last event in the next one's list.
    const next = rolloutEvents(record('t1', 2, 100, 'rolled-back'), record('t2', 0, 10), events, 'f', 3)
    expect(next).toEqual([{ time: 'f', text: 'running, step 1, set 10%' }])
  })
})

describe('frameOf', () => {
  it('lists versions in a fixed order whatever the order of the mapping (the page colours a version by its place)', () => {
    // Regression: after a rollout the mapping listed v2 first, and v1 and v2 swapped colours mid-chart.
    const route = (weights: Record<string, number>): RouteStatus => ({
      kind: 'actor',
      scheme: 'versioned RPC',
      id: 'MA',
      subject: 'wasmbus.rpc.default.MA',
      weights,
      instances: { v10: 1 },
    })
    for (const weights of [
      { v1: 40, v2: 60 },
      { v2: 60, v1: 40 },
    ]) {
      expect(frameOf([route(weights)], undefined, 0).entities[0].versions.map((v) => v.version)).toEqual([
        'v1',
        'v2',
        'v10',
      ])
    }
  })
})

describe('analysisOf', () => {
  it("gives the last judgement's versions as table rows (the page draws a table, not the terminal's padded lines)", () => {
    const summary = (calls: number, p95: number) => ({
      calls,
      errors: 1,
      errorRate: (100 * 1) / calls,
      p50: 4,
      p95,
      p99: 20,
    })
    const judgement = {
      time: 't',
      windowMs: 10_000,
      versions: { v2: summary(500, 12), v1: summary(1000, 11) },
      verdicts: [{ metric: 'p95', outcome: 'pass', critical: true, summary: 'v2 12 ms vs v1 11 ms' }],
      outcome: 'pass',
    }
    const r = {
      ...record('t1', 2, 100, 'completed'),
      analysis: { mode: 'on', active: true, judgements: [judgement] },
    } as unknown as RolloutRecord
    expect(analysisOf(r)).toEqual({
      summary: 'on; this step: pass',
      judgement: {
        head: 'PASS over 10.0 s',
        columns: ['VERSION', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99'],
        rows: [
          ['v2 (canary)', '500', '0.20%', '4.0 ms', '12.0 ms', '20.0 ms'],
          ['v1 (stable)', '1000', '0.10%', '4.0 ms', '11.0 ms', '20.0 ms'],
        ],
        verdicts: ['PASS p95: v2 12 ms vs v1 11 ms'],
      },
    })
    expect(analysisOf(record('t1', 0, 10))).toEqual({ summary: '-' })
  })
})
