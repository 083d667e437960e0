/** Metrics reports are the words of any app user (issue #29, item 5): checked, the host from the subject, prototype-proof, bounded. */
import { describe, expect, it } from 'vitest'
import { MAX_REPORT_VERSIONS, intakeReport } from '../../src/analysis/report-intake.js'
import { ReportObserver } from '../../src/traffic/reports.js'
import { newActorId } from '../helpers/ids.js'

const id = newActorId()
const report = (host: string, versions: unknown[], extra: Record<string, unknown> = {}) => ({
  v: 1,
  lattice: 'default',
  host,
  startedAt: 1000,
  seq: 1,
  time: 2000,
  intervalMs: 1000,
  versions,
  ...extra,
})
const v = (version: string, calls: number) => ({ kind: 'actor', id, version, calls, errors: 0, latency: [[0, calls]] })

describe('intakeReport', () => {
  it('takes a well-formed report of the host its subject names, and nothing else', () => {
    expect(intakeReport(report('h1', [v('v1', 5)]), 'default', 'h1')?.versions).toEqual([v('v1', 5)])
    expect(intakeReport(report('h2', [v('v1', 5)]), 'default', 'h1')).toBeUndefined() // speaking for another host
    expect(intakeReport(report('h1', [v('v1', 5)]), 'other', 'h1')).toBeUndefined()
    expect(intakeReport(report('h1', [{ ...v('v1', 5), calls: -1 }]), 'default', 'h1')).toBeUndefined()
    expect(intakeReport(report('h1', [{ ...v('v1', 5), calls: '5' }]), 'default', 'h1')).toBeUndefined()
    expect(intakeReport(report('h1', [v('x'.repeat(200), 5)]), 'default', 'h1')).toBeUndefined()
    expect(
      intakeReport(
        report(
          'h1',
          Array.from({ length: MAX_REPORT_VERSIONS + 1 }, (_, i) => v(`v${i}`, 1)),
        ),
        'default',
        'h1',
      ),
    ).toBeUndefined()
    expect(intakeReport(report('h1', [v('v1', 5)], { intervalMs: 0 }), 'default', 'h1')).toBeUndefined()
    expect(intakeReport(null, 'default', 'h1')).toBeUndefined()
  })
})

describe('ReportObserver', () => {
  it('counts versions named __proto__ and constructor like any other', () => {
    const o = new ReportObserver(0)
    o.add(
      intakeReport(
        report('h1', [v('__proto__', 0), v('constructor', 0)], { startedAt: 1000, time: 1000 }),
        'default',
        'h1',
      )!,
    )
    o.add(
      intakeReport(report('h1', [v('__proto__', 4), v('constructor', 54)], { seq: 2, time: 2000 }), 'default', 'h1')!,
    )
    const counts = Object.values(o.take())[0]
    expect(counts?.['__proto__']).toBe(4)
    expect(counts?.constructor).toBe(54)
    expect(Object.getPrototypeOf(counts)).toBe(null)
  })
  it('forgets a host', () => {
    const o = new ReportObserver(0)
    o.add(intakeReport(report('h1', [v('v1', 1)]), 'default', 'h1')!)
    expect(o.hasRate('h1')).toBe(true)
    o.forget('h1')
    expect(o.hasRate('h1')).toBe(false)
  })
})
