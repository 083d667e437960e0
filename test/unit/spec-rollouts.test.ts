/** Rollouts in a spec: steps, pauses, gates (probe, command, webhook, Prometheus) and notify. */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { problems } from '../helpers/spec-problems.js'
import { LatticeError } from '../../src/errors.js'
import { type SpecProblem, parseSpec } from '../../src/spec/parse.js'
import { encodePublicKey } from '../../src/subjects/index.js'

const a2 = encodePublicKey('module', randomBytes(32))

describe('rollouts in a spec', () => {
  const id = 'MACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAI3OQ'
  it('parse with defaults, pauses and gates', () => {
    const spec = parseSpec(
      `rollouts:\n  - actor: ${id}\n    from: "1.0.0"\n    to: "1.1.0"\n    steps: [10, pause, 100]\n    interval: 1m\n    gates:\n      probe: { payload: "{}", maxP95Ms: 50 }\n      command: ./check.sh\n`,
      'r.yaml',
    )
    expect(spec.rollouts).toEqual([
      {
        entity: { kind: 'actor', id },
        from: '1.0.0',
        to: '1.1.0',
        steps: [10, 'pause', 100],
        intervalMs: 60_000,
        gateCmd: './check.sh',
        probe: {
          payload: '{}',
          count: 20,
          timeoutMs: 2000,
          maxErrorRate: 1,
          maxP95Ms: 50,
          errorMargin: 1,
          latencyMarginMs: 20,
        },
      },
    ])
    expect(parseSpec(`rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n`, 'r.yaml').rollouts[0]).toMatchObject({
      steps: [10, 25, 50, 100],
      intervalMs: 30_000,
    })
  })
  it('take analysis settings by their camelCase names; `analysis: off`; bad values located', () => {
    const spec = parseSpec(
      `rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    analysis:\n      mode: dry-run\n      minCalls: 100\n      latencyTolerance: 5ms\n      critical: [error-rate]\n`,
      'r.yaml',
    )
    expect(spec.rollouts[0].analysis).toMatchObject({
      mode: 'dry-run',
      thresholds: { minCalls: 100, latencyTolerance: { ms: 5 }, critical: ['error-rate'] },
      failureLimit: 0,
    })
    expect(
      parseSpec(`rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    analysis: off\n`, 'r.yaml').rollouts[0]
        .analysis?.mode,
    ).toBe('off')
    expect(
      parseSpec(
        `rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    analysis:\n      judge: sequential\n      earlyPromote: true\n`,
        'r.yaml',
      ).rollouts[0].analysis,
    ).toMatchObject({ judge: 'sequential', earlyPromote: true })
    expect(
      problems(
        `rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    analysis:\n      minCalls: 10\n      latencyTolerance: fast\n      colour: red\n`,
      ).map((p) => `${p.line}:${p.code}:${p.message}`),
    ).toEqual([
      '7:INVALID_ROLLOUT:analysis.latencyTolerance "fast" is neither a percent nor milliseconds.',
      '8:UNKNOWN_KEY:Unknown key "colour" in analysis.',
    ])
  })
  it('report every problem, located', () => {
    const text = `rollouts:\n  - actor: ${id}\n    from: a\n    to: a\n  - actor: ${id}\n    to: b\n    steps: [50, 10]\n    interval: soon\n    gates: { probe: { count: 5 }, colour: red }\n`
    let problems: SpecProblem[] = []
    try {
      parseSpec(text, 'r.yaml')
    } catch (e) {
      problems = ((e as LatticeError).details?.problems as SpecProblem[]) ?? []
    }
    expect(problems.map((p) => `${p.line}:${p.code}`)).toEqual([
      '2:INVALID_ROLLOUT',
      '5:DUPLICATE_ENTITY',
      '5:MISSING_KEY',
      '8:INVALID_DURATION',
      '9:MISSING_KEY',
      '9:UNKNOWN_KEY',
    ])
  })
})

describe('webhook and Prometheus gates, and notify, in a spec', () => {
  const id = 'MACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAI3OQ'
  it('parse with defaults', () => {
    const text = `rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    gates:\n      webhook: [https://ci.example/gate, { url: "http://h:8080/x", timeout: 3s }]\n      prometheus: { url: "http://prom:9090", query: 'sum(rate(errors{v="{{to}}"}[1m]))', condition: "< 0.05" }\n    notify: https://hooks.example/r\n`
    expect(parseSpec(text, 'r.yaml').rollouts[0]).toMatchObject({
      webhooks: [
        { url: 'https://ci.example/gate', timeoutMs: 10_000 },
        { url: 'http://h:8080/x', timeoutMs: 3000 },
      ],
      prometheus: {
        url: 'http://prom:9090',
        query: 'sum(rate(errors{v="{{to}}"}[1m]))',
        condition: '< 0.05',
        count: 1,
        intervalMs: 10_000,
        failureLimit: 0,
      },
      notify: ['https://hooks.example/r'],
    })
  })
  it('report every problem, located', () => {
    const text = `rollouts:\n  - actor: ${id}\n    from: a\n    to: b\n    gates:\n      webhook: ftp://x\n      prometheus: { url: "http://p", query: "up{x='{{nope}}'}", condition: "eval(1)", count: 0, colour: 1 }\n    notify: [https://u:p@h/x]\n  - actor: ${a2}\n    from: a\n    to: b\n    gates:\n      prometheus: { url: "http://p" }\n      webhook: { timeout: soon }\n`
    expect(problems(text).map((p) => `${p.line}:${p.code}:${p.message}`)).toEqual([
      '6:INVALID_ROLLOUT:webhook "ftp://x" is not an http or https URL (ftp).',
      '7:INVALID_ROLLOUT:query has an unknown placeholder {{nope}}.',
      '7:INVALID_ROLLOUT:condition "eval(1)" is not a condition.',
      '7:WRONG_TYPE:count must be a whole number from 1 up.',
      '7:UNKNOWN_KEY:Unknown key "colour" in prometheus.',
      '8:INVALID_ROLLOUT:notify carries a user name or password in its URL.',
      '13:MISSING_KEY:The prometheus gate needs query.',
      '13:MISSING_KEY:The prometheus gate needs condition.',
      '14:MISSING_KEY:A webhook needs url.',
      '14:INVALID_DURATION:webhook timeout "soon" is not a duration.',
    ])
  })
})
