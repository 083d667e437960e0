import { describe, expect, it } from 'vitest'
import type { MetricsReport, VersionMetrics } from '../../src/host-core/metrics-report.js'
import type { Subscriber } from '../../src/resolver/subscriptions.js'
import { entityKey, versionedSubject } from '../../src/subjects/index.js'
import { ReportObserver, reportCoverage } from '../../src/traffic/reports.js'

const A = { kind: 'actor' as const, id: 'MA' }
const key = entityKey(A)
const v = (version: string, calls: number, instances?: number): VersionMetrics => ({
  kind: 'actor',
  id: 'MA',
  version,
  calls,
  errors: 0,
  latency: [],
  ...(instances === undefined ? {} : { instances }),
})
const report = (host: string, startedAt: number, seq: number, versions: VersionMetrics[]): MetricsReport => ({
  v: 1,
  lattice: 'default',
  host,
  startedAt,
  seq,
  time: startedAt + seq * 1000,
  intervalMs: 1000,
  versions,
})

describe('ReportObserver', () => {
  it('counts differences between reports, a host seen first as a baseline', () => {
    const o = new ReportObserver(10_000)
    o.add(report('h1', 1000, 5, [v('v1', 100), v('v2', 50)]))
    expect(o.take()).toEqual({})
    o.add(report('h1', 1000, 6, [v('v1', 130), v('v2', 60)]))
    o.add(report('h1', 1000, 8, [v('v1', 140), v('v2', 60)])) // seq 7 lost: nothing is lost with it
    expect(o.take()).toEqual({ [key]: { v1: 40, v2: 10 } })
  })
  it('a host started during the watch counts from zero; a restart counts the new run from zero', () => {
    const o = new ReportObserver(10_000)
    o.add(report('h2', 12_000, 1, [v('v1', 7)]))
    o.add(report('h1', 1000, 5, [v('v1', 100)]))
    o.add(report('h1', 20_000, 1, [v('v1', 3)]))
    expect(o.take()).toEqual({ [key]: { v1: 10 } })
    // A host that stops reporting adds nothing more.
    expect(o.take()).toEqual({})
  })
  it('a host heard once (before the watch) has no rate yet; its second report gives one', () => {
    // Regression: watch's first frame was taken before busy hosts' second report and showed 0 calls.
    const o = new ReportObserver(10_000)
    o.add(report('h1', 1000, 5, [v('v1', 100)]))
    expect(o.hasRate('h1')).toBe(false)
    expect(o.rate(['h1'])).toEqual({})
    o.add(report('h1', 1000, 6, [v('v1', 130)]))
    expect(o.hasRate('h1')).toBe(true)
    expect(o.rate(['h1'])).toEqual({ [key]: { v1: 30 } })
  })
})

describe('reportCoverage', () => {
  const subs = (n: number, version: string): Subscriber[] =>
    Array.from({ length: n }, () => ({ server: 's', subject: versionedSubject('default', A, version), queue: 'MA' }))
  it('covered when the reports account for every queue subscriber of every version', () => {
    const reports = [report('h1', 1, 1, [v('v1', 0, 2), v('v2', 0, 1)]), report('h2', 1, 1, [v('v2', 0, 1)])]
    expect(
      reportCoverage(
        'default',
        A,
        ['v1', 'v2'],
        [...subs(2, 'v1'), ...subs(2, 'v2'), { server: 's', subject: versionedSubject('default', A, 'v1') }],
        reports,
      ),
    ).toEqual({ covered: true })
  })
  it('not covered when an instance is on a host that does not report, or a report has no count', () => {
    const reports = [report('h1', 1, 1, [v('v1', 0, 2), v('v2', 0, 1)])]
    expect(reportCoverage('default', A, ['v1', 'v2'], [...subs(2, 'v1'), ...subs(2, 'v2')], reports)).toEqual({
      covered: false,
      reason: '1 of 2 instances of v2 are on hosts that do not report',
    })
    expect(reportCoverage('default', A, ['v1'], subs(1, 'v1'), [report('h1', 1, 1, [v('v1', 0)])]).covered).toBe(false)
    expect(reportCoverage('default', { kind: 'component', id: 'hello' }, ['hello'], [], []).covered).toBe(false)
  })
})

describe('Observation.reportWindow', () => {
  it('counts every host over the same seconds (its report pairs in proportion to their overlap with the window); a host that starts meanwhile counts from its start; one that stops counts what it reported', async () => {
    const { MetricsCollector } = await import('../../src/analysis/collector.js')
    const { Observation } = await import('../../src/traffic/observation.js')
    let deliver: (r: MetricsReport) => void = () => undefined
    // Each report on its host's subject: the collector takes the host from it.
    const nc = {
      subscribe: (_s: string, o: { callback: (e: unknown, m: { subject: string; data: Uint8Array }) => void }) => (
        (deliver = (r) =>
          o.callback(null, {
            subject: `wasmbus.metrics.default.${r.host}`,
            data: new TextEncoder().encode(JSON.stringify(r)),
          })),
        { unsubscribe() {} }
      ),
      flush: async () => undefined,
    }
    const collector = new MetricsCollector(nc as never, 'default')
    await collector.start()
    const o = new Observation(nc as never, 'default', collector, 'reports')
    const now = Date.now()
    // Reports at explicit times (ms after `now`), 100 ms apart; the window is [now, now + 200].
    const at = (host: string, startedAt: number, time: number, calls: number, version = 'v1') => ({
      ...report(host, now + startedAt, Math.round((time - startedAt) / 100), [v(version, calls, 1)]),
      intervalMs: 100,
      time: now + time,
    })
    deliver(at('a', -5000, -50, 100))
    deliver(at('gone', -5000, -50, 50, 'v2'))
    const window = o.reportWindow(A, 200, now)
    deliver(at('gone', -5000, 50, 60, 'v2')) // its last report: it stops here; half its last pair is in the window
    deliver(at('a', -5000, 50, 110)) // half in the window: 5
    deliver(at('new', 100, 150, 7, 'v2')) // started in the window: all 7
    deliver(at('a', -5000, 150, 130)) // all in: 20
    deliver(at('a', -5000, 250, 150)) // half in: 10; every host but "gone" is past the end
    deliver(at('a', -5000, 350, 999)) // after the window: not counted
    expect(await window).toEqual({ v1: 35, v2: 12 })
  })
})
