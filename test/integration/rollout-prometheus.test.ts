/**
 * The Prometheus gate against a REAL Prometheus (test/helpers/prometheus.ts) scraping a small
 * metrics endpoint this test serves: a condition that holds passes, one that does not rolls back,
 * an empty result fails as "no data", and a query Prometheus refuses fails with its error.
 * A machine without Prometheus fails here with the install hint; with LATTICE_NO_INSTALL set it
 * is skipped instead, the reason counted in the summary (test/helpers/skips.ts).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'
import { ExitCode } from '../../src/errors.js'
import { lattice } from '../helpers/cli.js'
import { weightsOf as liveWeights } from '../helpers/cli-json.js'
import { type TestPrometheus, startPrometheus } from '../helpers/prometheus.js'
import { useRolloutLattice } from '../helpers/rollout-lattice.js'

const rl = useRolloutLattice()
let prom: TestPrometheus
const metrics = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
  res.end(
    '# TYPE lattice_test_error_ratio gauge\nlattice_test_error_ratio{lattice="default",version="v1"} 0.01\nlattice_test_error_ratio{lattice="default",version="v2"} 0.02\n',
  )
})

beforeAll(async () => {
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve))
  prom = await startPrometheus([`127.0.0.1:${(metrics.address() as AddressInfo).port}`])
  await prom.waitForData('lattice_test_error_ratio')
}, 60_000)
afterAll(async () => {
  await prom?.stop()
  metrics.closeAllConnections()
  await new Promise((resolve) => metrics.close(resolve))
})

const weightsOf = (id: string) => liveWeights(rl.env(), id)
const QUERY = 'lattice_test_error_ratio{lattice="{{lattice}}",version="{{to}}"}'
const rollout = (id: string, query: string, condition: string, extra: string[] = []) =>
  lattice(
    [
      'rollout',
      'actor',
      id,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '50,100',
      '--interval',
      '100ms',
      '--gate-prometheus',
      prom.url,
      '--prometheus-query',
      query,
      '--prometheus-condition',
      condition,
      ...extra,
    ],
    rl.env(),
  )

describe('Prometheus gate', skipIf(skips.noPrometheus()), () => {
  it('a condition that holds passes every step: the rollout completes', async () => {
    const id = await rl.actor()
    const r = await rollout(id, QUERY, '< 0.05', ['--prometheus-count', '2', '--prometheus-interval', '300ms'])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    expect(r.stdout).toMatch(
      /step 1\/2: prometheus gate passed: 0 of 2 measurements failed \(limit 0\), condition < 0\.05: #1 0\.02; #2 0\.02/,
    )
    expect(r.stdout).toMatch(/step 2\/2: prometheus gate passed/)
    expect(await weightsOf(id)).toEqual({ v2: 100 })
  })

  it('a condition that does not hold rolls back (exit 10), listing the values', async () => {
    const id = await rl.actor()
    const r = await rollout(id, QUERY, '<= 0.01', ['--prometheus-count', '3'])
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    // failureLimit 0: the first failed measurement decides, the others are not taken.
    expect(r.stdout).toMatch(
      /step 1\/2: prometheus gate FAILED: 1 of 1 measurements failed \(limit 0\), condition <= 0\.01: #1 0\.02 ✖/,
    )
    expect(r.stdout).toMatch(/ROLLED BACK to the stable weights: the prometheus gate failed at step 1/)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('--prometheus-failure-limit: measuring goes on past allowed failures; one more fails the gate', async () => {
    const id = await rl.actor()
    const r = await rollout(id, QUERY, '< 0.01', [
      '--prometheus-count',
      '3',
      '--prometheus-interval',
      '200ms',
      '--prometheus-failure-limit',
      '1',
    ])
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(
      /prometheus gate FAILED: 2 of 2 measurements failed \(limit 1\), condition < 0\.01: #1 0\.02 ✖; #2 0\.02 ✖/,
    )
  })

  it('every sample of a vector must meet the condition', async () => {
    const id = await rl.actor()
    const all = await rollout(id, 'lattice_test_error_ratio', '>= 0.01')
    expect(all.code, all.stderr).toBe(0)
    expect(all.stdout).toMatch(
      /prometheus gate passed: 0 of 1 measurements failed \(limit 0\), condition >= 0\.01: #1 (0\.01, 0\.02|0\.02, 0\.01)/,
    )
    const id2 = await rl.actor()
    const one = await rollout(id2, 'lattice_test_error_ratio', '< 0.015')
    expect(one.code, one.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(one.stdout).toMatch(/prometheus gate FAILED: 1 of 1 measurements failed/)
  })

  it('an empty result is a failed measurement ("no data"), never a pass', async () => {
    const id = await rl.actor()
    const r = await rollout(id, 'lattice_test_error_ratio{version="no-such-version"}', '!= 1')
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(
      /prometheus gate FAILED: 1 of 1 measurements failed \(limit 0\), condition != 1: #1 no data ✖/,
    )
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it("a query Prometheus refuses is a failed measurement with Prometheus' error", async () => {
    const id = await rl.actor()
    const r = await rollout(id, 'sum(lattice_test_error_ratio', '< 1')
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(r.stdout).toMatch(/prometheus gate FAILED: .*#1 error: .*parse error/)
  })

  it('refuses a condition it cannot parse, and a query with an unknown placeholder, before anything is contacted', async () => {
    const id = await rl.actor()
    for (const [query, condition, message] of [
      [QUERY, '< 0.05 || 1', /--prometheus-condition "< 0\.05 \|\| 1" is not a condition/],
      [QUERY, 'process.exit(1)', /--prometheus-condition "process\.exit\(1\)" is not a condition/],
      ['up{version="{{version}}"}', '< 1', /--prometheus-query has an unknown placeholder \{\{version\}\}/],
    ] as const) {
      const r = await rollout(id, query, condition)
      expect(r.code).toBe(ExitCode.INVALID_INPUT)
      expect(r.stderr).toMatch(message)
    }
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })

  it('`lattice rollout abort` cuts a long measurement series short', async () => {
    const id = await rl.actor()
    const args = [
      'rollout',
      'actor',
      id,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '10,100',
      '--interval',
      '100ms',
      '--gate-prometheus',
      prom.url,
      '--prometheus-query',
      QUERY,
      '--prometheus-condition',
      '< 1',
      '--prometheus-count',
      '20',
      '--prometheus-interval',
      '30s',
    ]
    const runner = rl.background(args)
    await runner.waitFor(/set weight 10%/, 20_000)
    await new Promise((r) => setTimeout(r, 1000)) // past the wait: between two measurements now
    const abort = await lattice(['rollout', 'abort', id], rl.env())
    expect(abort.code, abort.stderr).toBe(0)
    expect((await runner.done).code, runner.output()).toBe(ExitCode.ROLLED_BACK)
    expect(runner.output()).toMatch(/ROLLED BACK to the stable weights: aborted by/)
    expect(runner.output()).not.toMatch(/prometheus gate passed|set weight 100%/)
    expect(await weightsOf(id)).toEqual({ v1: 100 })
  })
})
