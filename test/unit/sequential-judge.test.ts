import { describe, expect, it } from 'vitest'
import { emptyWindow } from '../../src/analysis/collector.js'
import { DEFAULT_THRESHOLDS, type WindowMetrics, judge } from '../../src/analysis/judge.js'
import { analysisPlan, defaultAnalysis } from '../../src/analysis/options.js'
import { SequentialJudge } from '../../src/analysis/sequential-judge.js'

/** `calls` calls, `errors` of them failed, all in latency bucket `bucket`. */
function window(calls: number, errors: number, bucket = 5): WindowMetrics {
  const w = emptyWindow()
  w.calls = calls
  w.errors = errors
  w.latency[bucket] = calls
  return w
}

describe('SequentialJudge', () => {
  it('fails a canary failing 20% of its calls, with the calls and the evidence, at α/2', () => {
    const [errorRate, latency] = new SequentialJudge(DEFAULT_THRESHOLDS).look(window(60, 12), window(600, 0))
    expect(errorRate).toMatchObject({ metric: 'error-rate', outcome: 'fail' })
    expect(errorRate.summary).toMatch(/e-value .*canary 20\.00% of 60 calls vs 0\.00% of 600/)
    expect(errorRate.figures.alpha).toBeCloseTo(0.025)
    expect(latency.metric).toBe('latency')
  })

  it('is NODATA before any call, and keeps the latency threshold frozen across looks', () => {
    const judge = new SequentialJudge(DEFAULT_THRESHOLDS)
    expect(judge.look(emptyWindow(), emptyWindow()).map((v) => v.outcome)).toEqual(['nodata', 'nodata'])
    judge.look(window(10, 0), window(100, 0)) // freezes: the stable has minCalls calls
    const canary = window(40, 0) // cumulative: the 10 calls of the freeze, then 30 much slower ones
    canary.latency[5] = 10
    canary.latency[40] = 30 // about 10 ms, the stable 0.02 ms
    const later = judge.look(canary, window(400, 0))
    expect(later[1]).toMatchObject({ metric: 'latency', outcome: 'fail' })
    expect(later[1].figures.canaryCalls).toBe(30) // counted since the freeze
  })

  it('watches only critical metrics (all of α to one), and leaves p95/p99 limits to the end of the step', () => {
    const t = { ...DEFAULT_THRESHOLDS, critical: ['error-rate' as const, 'p95' as const], maxP95Ms: 10 }
    const verdicts = new SequentialJudge(t).look(window(60, 12), window(600, 0))
    expect(verdicts.map((v) => [v.metric, v.outcome])).toEqual([
      ['error-rate', 'fail'],
      ['p95', 'inconclusive'],
    ])
    expect(verdicts[0].figures.alpha).toBeCloseTo(0.05)
  })
})

describe('SequentialJudge at the end of a step', () => {
  it('only the sequential test fails: a fixed-sample Fail it has not shown becomes Inconclusive', () => {
    // 3 errors in 60 canary calls vs none in 600: the fixed test (Fisher) fails it, the sequential test has not shown it.
    const [canary, stable] = [window(60, 3), window(600, 0)]
    const t = { ...DEFAULT_THRESHOLDS, critical: ['error-rate' as const] }
    expect(judge(canary, stable, t)[0].outcome).toBe('fail')
    const judgeSeq = new SequentialJudge(t)
    expect(judgeSeq.look(canary, stable)[0].outcome).toBe('inconclusive')
    const [errorRate, latency] = judgeSeq.conclude(canary, stable)
    expect(errorRate.outcome).toBe('inconclusive')
    expect(errorRate.summary).toMatch(/^looks worse, not shown by the sequential test: /)
    expect(latency.critical).toBe(false) // not watched: the fixed judge's verdict, shown, never blocking
  })

  it('keeps what the sequential test decided, and the fixed NODATA (fewer than minCalls) and Pass', () => {
    const judgeSeq = new SequentialJudge(DEFAULT_THRESHOLDS)
    expect(judgeSeq.conclude(window(60, 12), window(600, 0))[0]).toMatchObject({ outcome: 'fail' })
    expect(judgeSeq.conclude(window(5, 0), window(600, 0)).map((v) => v.outcome)).toEqual(['nodata', 'nodata'])
    const equal = new SequentialJudge(DEFAULT_THRESHOLDS).conclude(window(300, 1), window(3000, 10))
    expect(equal.map((v) => v.outcome)).toEqual(['pass', 'pass'])
  })
})

describe('analysis plan: judge', () => {
  it('is sequential unless told otherwise', () => {
    expect(defaultAnalysis().judge).toBe('sequential')
    expect(analysisPlan({ judge: 'fixed' }, (k) => k).judge).toBe('fixed')
    // α = 1% over a whole step by default for the sequential judge; the fixed one keeps 0.95; a given one stands.
    expect(defaultAnalysis().thresholds.confidence).toBe(0.99)
    expect(analysisPlan({ judge: 'fixed' }, (k) => k).thresholds.confidence).toBe(0.95)
    expect(analysisPlan({ confidence: '0.9' }, (k) => k).thresholds.confidence).toBe(0.9)
    expect(analysisPlan({ judge: 'sequential', earlyPromote: true }, (k) => k)).toMatchObject({
      judge: 'sequential',
      earlyPromote: true,
    })
  })

  it('refuses an unknown judge, and --early-promote without the sequential judge', () => {
    const where = (k: string) => (k === 'judge' ? '--analysis-judge' : k === 'earlyPromote' ? '--early-promote' : k)
    expect(() => analysisPlan({ judge: 'bayes' }, where)).toThrow(
      /--analysis-judge "bayes" is not one of sequential, fixed/,
    )
    expect(() => analysisPlan({ judge: 'fixed', earlyPromote: true }, where)).toThrow(
      /--early-promote true needs --analysis-judge sequential/,
    )
  })
})
