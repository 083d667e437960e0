/** host-core metrics: bucketing, counters, the report, and the Prometheus text rendered from it. */
import { describe, expect, it } from 'vitest'
import { LATENCY_BOUNDS_MS, type MetricsReport, latencyBucket } from '../../src/host-core/index.js'
import { MetricsRegistry, VersionCounters } from '../../src/host-core/metrics.js'
import { escapeLabelValue, renderPrometheus } from '../../src/host-core/prometheus.js'

const actor = { kind: 'actor' as const, id: 'MACTOR' }
const provider = { kind: 'provider' as const, id: 'VPROV', link: 'default' }

describe('latencyBucket', () => {
  it('puts each bound in its own bucket and anything just above it in the next', () => {
    for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
      expect(latencyBucket(LATENCY_BOUNDS_MS[i])).toBe(i)
      expect(latencyBucket(LATENCY_BOUNDS_MS[i] * (1 + 1e-9))).toBe(i + 1)
      if (i > 0) expect(latencyBucket(LATENCY_BOUNDS_MS[i - 1] * (1 + 1e-9))).toBe(i)
    }
  })
  it('sends zero, negatives and NaN to bucket 0 and the longest calls to the overflow bucket', () => {
    expect([0, -1, Number.NaN, 0.001].map(latencyBucket)).toEqual([0, 0, 0, 0])
    const last = LATENCY_BOUNDS_MS.length
    expect(latencyBucket(LATENCY_BOUNDS_MS[last - 1] + 1)).toBe(last)
    expect(latencyBucket(1e12)).toBe(last)
    expect(latencyBucket(Number.POSITIVE_INFINITY)).toBe(last)
  })
  it('every bucket holds only values within its bounds', () => {
    for (let ms = 0.005; ms < 200_000; ms *= 1.013) {
      const b = latencyBucket(ms)
      if (b < LATENCY_BOUNDS_MS.length) expect(ms).toBeLessThanOrEqual(LATENCY_BOUNDS_MS[b])
      if (b > 0) expect(ms).toBeGreaterThan(LATENCY_BOUNDS_MS[b - 1])
    }
  })
})

describe('VersionCounters', () => {
  it('counts calls, errors, the sum and a sparse histogram whose counts sum to calls', () => {
    const c = new VersionCounters(actor, 'v1')
    for (const ms of [0.5, 0.5, 0.5, 3, 250]) c.record(ms, false)
    c.record(3, true)
    const s = c.snapshot()
    expect(s).toMatchObject({ kind: 'actor', id: 'MACTOR', version: 'v1', calls: 6, errors: 1, sumMs: 257.5 })
    expect(s).not.toHaveProperty('link')
    expect(s.latency).toEqual([
      [latencyBucket(0.5), 3],
      [latencyBucket(3), 2],
      [latencyBucket(250), 1],
    ])
    expect(s.latency.reduce((n, [, k]) => n + k, 0)).toBe(s.calls)
  })
  it("names a provider's link", () => {
    expect(new VersionCounters(provider, '1.0.0').snapshot()).toMatchObject({
      kind: 'provider',
      id: 'VPROV',
      link: 'default',
      calls: 0,
      latency: [],
    })
  })
})

describe('MetricsRegistry', () => {
  it('numbers published reports from 1; a snapshot keeps the last number', () => {
    const r = new MetricsRegistry('default', 'host-a', 1000, 500)
    expect(r.report(2000)).toMatchObject({
      v: 1,
      lattice: 'default',
      host: 'host-a',
      startedAt: 1000,
      seq: 0,
      time: 2000,
      intervalMs: 500,
      versions: [],
    })
    expect(r.next().seq).toBe(1)
    expect(r.next().seq).toBe(2)
    expect(r.report().seq).toBe(2)
  })
  it('gives a version the same counters when it starts again, and lists versions in the order they started', () => {
    const r = new MetricsRegistry('default', 'host-a', 0, 1000)
    const v1 = r.counters('a\u0000v1', actor, 'v1')
    r.counters('p\u0000v2', provider, 'v2').record(1, false)
    v1.record(1, false)
    expect(r.counters('a\u0000v1', actor, 'v1')).toBe(v1)
    expect(r.next().versions.map((v) => [v.id, v.version, v.calls])).toEqual([
      ['MACTOR', 'v1', 1],
      ['VPROV', 'v2', 1],
    ])
  })
})

describe('Prometheus text', () => {
  const report = (versions: MetricsReport['versions']): MetricsReport => ({
    v: 1,
    lattice: 'default',
    host: 'host-a',
    startedAt: 1,
    seq: 3,
    time: 2,
    intervalMs: 1000,
    versions,
  })

  it('escapes backslash, double quote and line feed in label values, nothing else', () => {
    expect(escapeLabelValue('a\\b"c\nd\te')).toBe('a\\\\b\\"c\\nd\te')
  })

  it('renders HELP and TYPE once per family, counters, and a cumulative histogram ending in +Inf, _sum and _count', () => {
    const c = new VersionCounters(provider, 'v"2\\\n')
    for (const ms of [0.02, 0.02, 7, 7, 7, 400_000]) c.record(ms, ms === 7)
    const text = renderPrometheus(report([c.snapshot(), new VersionCounters(actor, 'v1').snapshot()]))
    expect(text.endsWith('\n')).toBe(true)
    const lines = text.split('\n').slice(0, -1)
    for (const fam of [
      ['lattice_calls_total', 'counter'],
      ['lattice_call_errors_total', 'counter'],
      ['lattice_call_duration_seconds', 'histogram'],
    ]) {
      expect(lines.filter((l) => l === `# TYPE ${fam[0]} ${fam[1]}`)).toHaveLength(1)
      expect(lines.filter((l) => l.startsWith(`# HELP ${fam[0]} `))).toHaveLength(1)
    }
    // Every sample line: name{label="value",...} number, as the 0.0.4 format has it.
    const sample = /^([a-z_]+)\{((?:[a-z_]+="(?:[^"\\\n]|\\["\\n])*",?)*)\} (\S+)$/
    for (const l of lines.filter((x) => !x.startsWith('#'))) {
      const m = sample.exec(l)
      expect(m, l).not.toBeNull()
      expect(Number.isNaN(Number(m![3].replace('+Inf', 'Infinity')))).toBe(false)
    }
    const pl = 'lattice="default",host="host-a",kind="provider",id="VPROV",link="default",version="v\\"2\\\\\\n"'
    expect(lines).toContain(`lattice_calls_total{${pl}} 6`)
    expect(lines).toContain(`lattice_call_errors_total{${pl}} 3`)
    expect(lines).toContain(
      'lattice_calls_total{lattice="default",host="host-a",kind="actor",id="MACTOR",version="v1"} 0',
    )
    const buckets = lines.filter((l) => l.startsWith(`lattice_call_duration_seconds_bucket{${pl},`))
    expect(buckets).toHaveLength(LATENCY_BOUNDS_MS.length + 1)
    const counts = buckets.map((l) => Number(l.split(' ').pop()))
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1])
    expect(buckets[0]).toBe(`lattice_call_duration_seconds_bucket{${pl},le="0.00001"} 0`)
    expect(buckets.at(-1)).toBe(`lattice_call_duration_seconds_bucket{${pl},le="+Inf"} 6`)
    // The bucket whose bound first reaches 7 ms counts the two 20 µs calls and the three 7 ms ones.
    const at7 = buckets.find((l) => Number(/le="([^"]+)"/.exec(l)![1]) >= 0.007)!
    expect(at7.endsWith(' 5')).toBe(true)
    // 400 s is past the last bound: only +Inf counts it.
    expect(buckets.at(-2)!.endsWith(' 5')).toBe(true)
    expect(lines).toContain(`lattice_call_duration_seconds_count{${pl}} 6`)
    const sum = Number(
      lines
        .find((l) => l.startsWith(`lattice_call_duration_seconds_sum{${pl}}`))!
        .split(' ')
        .pop(),
    )
    expect(sum).toBeCloseTo(400.02104, 5)
  })

  it('renders the families with no series when nothing ran', () => {
    expect(
      renderPrometheus(report([]))
        .split('\n')
        .filter((l) => l && !l.startsWith('#')),
    ).toEqual([])
  })
})
