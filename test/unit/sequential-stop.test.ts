/**
 * When and why the sequential judge ended a step: one structured stop (--json, notifications) and
 * one text, the same on every surface (the rollout's verdict line, rollout status, the dashboard).
 */
import { describe, expect, it } from 'vitest'
import { emptyWindow } from '../../src/analysis/collector.js'
import { DEFAULT_THRESHOLDS, type WindowMetrics, overall, summarize } from '../../src/analysis/judge.js'
import type { Judgement } from '../../src/analysis/record.js'
import { SequentialJudge } from '../../src/analysis/sequential-judge.js'
import { sequentialNote, stopOf } from '../../src/analysis/sequential-stop.js'
import { analysisOf } from '../../src/dashboard/results-to-model.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'
import { describeJudgement } from '../../src/rollout/traffic-analysis.js'
import { judgementHead } from '../../src/views/analysis-view.js'
import { RolloutView, eventLine, renderRollout } from '../../src/views/rollout-view.js'

function window(calls: number, errors: number): WindowMetrics {
  const w = emptyWindow()
  w.calls = calls
  w.errors = errors
  w.latency[5] = calls
  return w
}

/** A judgement as RolloutAnalysis.look makes it, 2.7 s into the step. */
function looked(
  canary: WindowMetrics,
  stable: WindowMetrics,
  sequential = true,
  judge = new SequentialJudge(DEFAULT_THRESHOLDS),
): Judgement {
  const verdicts = judge.look(canary, stable)
  const j: Judgement = {
    time: 't',
    windowMs: 2700,
    versions: { v2: summarize(canary), v1: summarize(stable) },
    verdicts,
    outcome: overall(verdicts),
    judge: sequential ? 'sequential' : 'fixed',
    ...(sequential ? { early: true as const } : {}),
  }
  const stop = stopOf(j)
  return stop ? { ...j, stop } : j
}

const WHEN_AND_WHY =
  '(sequential judge, 2.7 s into the step: error-rate e-value 1.90e+3 at α=0.025, a likelihood ratio of the error rates, on 36 canary and 276 stable calls)'

describe('a sequential stop', () => {
  it('carries the metric, the test, the e-value, α and the calls seen per version', () => {
    const j = looked(window(36, 7), window(276, 0))
    expect(j.stop).toEqual({
      judge: 'sequential',
      atMs: 2700,
      metrics: [
        {
          metric: 'error-rate',
          outcome: 'fail',
          test: 'a likelihood ratio of the error rates',
          eValue: 1900,
          alpha: 0.025,
          canaryCalls: 36,
          stableCalls: 276,
        },
      ],
    })
    expect(looked(window(36, 1), window(276, 0)).stop).toBeUndefined() // still watching
    expect(stopOf({ ...j, early: undefined, judge: 'fixed' })).toBeUndefined() // a fixed judgement
    expect(stopOf({ ...j, early: undefined })?.metrics[0].metric).toBe('error-rate') // a Fail concluding a wait
    expect(stopOf({ ...j, early: undefined, outcome: 'pass' })).toBeUndefined() // a wait concluded, nothing shown
  })

  it('says when and why in one text on every surface, also from a record read back', () => {
    const j = looked(window(36, 7), window(276, 0))
    expect(sequentialNote(j)).toBe(` ${WHEN_AND_WHY}`)
    expect(describeJudgement(j)).toMatch(`FAIL ${WHEN_AND_WHY}; error-rate FAIL: canary worse by more than 1 pp`)
    expect(judgementHead(j)).toBe(`FAIL ${WHEN_AND_WHY}`)
    const verdict = {
      type: 'verdict' as const,
      time: '2026-12-06T23:04:55.643Z',
      entity: 'actor MA',
      step: 1,
      steps: 4,
    }
    const event = { ...verdict, judgement: j, message: describeJudgement(j) }
    expect(eventLine(event)).toMatch(`23:04:55 step 1/4: analysis FAIL ${WHEN_AND_WHY}; error-rate FAIL`)
    const drawn: string[] = []
    new RolloutView('tty', (t) => drawn.push(t), 'actor MA').event(event) // the terminal's block
    expect(drawn.at(-1)).toContain(`Analysis:  FAIL ${WHEN_AND_WHY}\n`)
    expect(sequentialNote({ ...j, alone: true })).toMatch(/, on 36 canary calls\)$/) // judged against itself
    const record = JSON.parse(
      JSON.stringify({
        plan: { entity: { kind: 'actor', id: 'MA' }, from: 'v1', to: 'v2', steps: [10, 100] },
        phase: 'rolled-back',
        message: `real-traffic analysis failed at step 1${sequentialNote(j)}: ...`,
        step: 0,
        setWeight: 0,
        gates: [],
        analysis: { mode: 'auto', active: true, judgements: [j] },
        who: { user: 'ann', host: 'box' },
        startedAt: 't',
        updatedAt: 't',
      }),
    ) as RolloutRecord
    expect(renderRollout(record)).toContain(`Analysis:  on; this step: fail\n  FAIL ${WHEN_AND_WHY}\n`)
    expect(analysisOf(record).judgement?.head).toBe(`FAIL ${WHEN_AND_WHY}`)
    const { stop: _, ...older } = record.analysis?.judgements[0] as Judgement // recorded before stops were kept
    expect(judgementHead(older)).toBe(`FAIL ${WHEN_AND_WHY}`)
  })

  it('names every critical metric of an early pass; a fixed judgement keeps its window', () => {
    const judge = new SequentialJudge(DEFAULT_THRESHOLDS)
    judge.look(window(10, 0), window(100, 0)) // freezes the latency threshold
    const pass = looked(window(3000, 0), window(30_000, 0), true, judge)
    expect(pass.stop?.metrics.map((m) => [m.metric, m.outcome])).toEqual([
      ['error-rate', 'pass'],
      ['latency', 'pass'],
    ])
    expect(judgementHead(pass)).toBe(
      'PASS (sequential judge, 2.7 s into the step: error-rate e-value 4.17e+8 at α=0.025, a likelihood ratio of the error rates, on 3000 canary and 30000 stable calls; latency e-value 1.01e+304 at α=0.025, a likelihood ratio of the canary calls above 1.02 ms (below half), on 2990 canary and 29900 stable calls)',
    )
    expect(judgementHead(looked(window(36, 7), window(276, 0), false))).toBe('FAIL over 2.7 s')
  })
})
