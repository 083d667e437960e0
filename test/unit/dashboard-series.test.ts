import { describe, expect, it } from 'vitest'
import type { Frame } from '../../src/dashboard/model.js'
import { Series } from '../../src/dashboard/series.js'

const frame = (t: number, entities: Record<string, Record<string, [number, number | null]>>): Frame => ({
  t,
  entities: Object.entries(entities).map(([key, versions]) => ({
    key,
    entity: { kind: 'component', id: key },
    label: key,
    scheme: 'wRPC',
    versions: Object.entries(versions).map(([version, [weight, observed]]) => ({
      version,
      weight,
      observed,
      rate: 0,
      instances: 1,
    })),
  })),
})

describe('dashboard series (the backfill)', () => {
  it('is column-wise, aligned with t, null where an entity or version was absent', () => {
    const s = new Series(60_000)
    s.add(frame(1000, { a: { v1: [100, 99] } }))
    s.add(frame(2000, { a: { v1: [50, 60], v2: [50, 40] }, b: { x: [100, null] } }))
    s.add(frame(3000, { b: { x: [100, 100] } }))
    expect(s.backfill()).toEqual({
      t: [1000, 2000, 3000],
      series: {
        a: {
          v1: { weight: [100, 50, null], observed: [99, 60, null] },
          v2: { weight: [null, 50, null], observed: [null, 40, null] },
        },
        b: { x: { weight: [null, 100, 100], observed: [null, null, 100] } },
      },
    })
  })

  it('keeps only the window, and drops entities gone for longer', () => {
    const s = new Series(10_000)
    for (let i = 0; i <= 200; i++)
      s.add(frame(i * 1000, i < 100 ? { old: { v1: [100, null] }, a: { v1: [100, 100] } } : { a: { v1: [100, 100] } }))
    const b = s.backfill()
    expect(b.t[0]).toBe(190_000)
    expect(b.t.at(-1)).toBe(200_000)
    expect(b.t.length).toBe(11)
    expect(Object.keys(b.series)).toEqual(['a'])
    expect(b.series.a.v1.weight).toHaveLength(11)
    expect(s.length).toBe(11)
  })

  it('never holds more than maxPoints (plus one trimming batch), however short the interval', () => {
    const s = new Series(900_000, 100)
    for (let i = 0; i < 1000; i++) s.add(frame(i, { a: { v1: [100, null] } }))
    expect(s.backfill().t.length).toBe(100)
    expect((s as unknown as { t: number[] }).t.length).toBeLessThanOrEqual(160)
  })

  it('carries error rate and p95 only for versions some host reported', () => {
    const s = new Series(60_000)
    const f = frame(1000, { a: { v1: [100, 100], v2: [0, null] } })
    f.entities[0].versions[0] = { ...f.entities[0].versions[0], errorRate: 0.01, p95Ms: 12 }
    s.add(f)
    const b = s.backfill()
    expect(b.series.a.v1).toEqual({ weight: [100], observed: [100], errorRate: [0.01], p95Ms: [12] })
    expect(b.series.a.v2).toEqual({ weight: [0], observed: [null] })
  })
})
