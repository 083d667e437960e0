import { describe, expect, it } from 'vitest'
import { rolloutEvents } from '../../src/dashboard/views.js'
import type { RolloutRecord } from '../../src/state/rollouts.js'

const record = (startedAt: string, step: number, setWeight: number, phase: RolloutRecord['phase'] = 'running') =>
  ({ plan: { entity: { kind: 'actor', id: 'MA' }, from: 'v1', to: 'v2', steps: [10, 30, 100] }, lattice: 'default', phase, step, setWeight, stable: { v1: 100 }, gates: [], startedAt, updatedAt: startedAt }) as unknown as RolloutRecord

describe('rolloutEvents', () => {
  it("appends each change of one rollout, keeps the last N, and starts afresh for the entity's next rollout", () => {
    let events = rolloutEvents(undefined, record('t1', 0, 10), [], 'a', 3)
    expect(events.map((e) => e.text)).toEqual(['running, step 1, set 10%'])
    events = rolloutEvents(record('t1', 0, 10), record('t1', 0, 10), events, 'b', 3)
    expect(events).toHaveLength(1)
    events = rolloutEvents(record('t1', 0, 10), record('t1', 1, 30), events, 'c', 3)
    events = rolloutEvents(record('t1', 1, 30), record('t1', 2, 100, 'completed'), events, 'd', 3)
    expect(events.map((e) => e.text)).toEqual(['running, step 1, set 10%', 'step 2: set 30%', 'completed; step 3: set 100%'])
    events = rolloutEvents(record('t1', 2, 100, 'completed'), record('t1', 2, 100, 'rolled-back'), events, 'e', 3)
    expect(events).toHaveLength(3)
    expect(events[0].text).toBe('step 2: set 30%')
    // Regression: the dashboard showed the previous rollout's last event in the next one's list.
    const next = rolloutEvents(record('t1', 2, 100, 'rolled-back'), record('t2', 0, 10), events, 'f', 3)
    expect(next).toEqual([{ time: 'f', text: 'running, step 1, set 10%' }])
  })
})
