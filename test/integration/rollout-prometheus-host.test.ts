/**
 * The Prometheus gate on host-core's own metrics: a REAL Prometheus scrapes the hosts'
 * `/metrics` (HostOptions.metrics.prometheusPort), real callers use the unversioned subject, and
 * a PromQL query on lattice_call_errors_total decides (real-traffic analysis off, so the query
 * alone rolls the failing canary back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'
import { ExitCode } from '../../src/errors.js'
import { lattice } from '../helpers/cli.js'
import { weightsOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { type TestPrometheus, startPrometheus } from '../helpers/prometheus.js'
import { failingEvery, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let prom: TestPrometheus
const actor = newActorId()

beforeAll(async () => {
  const hosts = await Promise.all([0, 1].map((i) => t.host(`p${i}`, { logger: false, metrics: { prometheusPort: 0 } })))
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: () => 'v2' })
  await hosts[1].startActor({ id: actor, version: 'v3', count: 2, handler: failingEvery(5, 'v3') })
  prom = await startPrometheus(hosts.map((h) => new URL(h.metricsUrl as string).host))
  await prom.waitForData('lattice_calls_total')
}, 90_000)
afterAll(async () => {
  await prom?.stop()
})

/** About 120 calls a second on the unversioned subject until stopped. */
const traffic = () =>
  t.traffic(`wasmbus.rpc.default.${actor}`, { batch: 3, pauseMs: 25, timeoutMs: 5000, payload: new Uint8Array() })

const QUERY = 'sum(rate(lattice_call_errors_total{id="{{id}}",version="{{to}}"}[5s])) or vector(0)'
const weights = () => weightsOf(t.env(), actor)

describe('Prometheus gate on host-core metrics', skipIf(skips.noPrometheus()), () => {
  it('errors per second of the canary, scraped from the hosts: a healthy canary completes, a failing one is rolled back', async () => {
    expect((await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())).code).toBe(0)
    const { stop } = await traffic()
    try {
      const args = (to: string, from: string) => [
        'rollout',
        'actor',
        actor,
        '--from',
        from,
        '--to',
        to,
        '--steps',
        '50,100',
        '--interval',
        '6s',
        '--no-analysis',
        '--gate-prometheus',
        prom.url,
        '--prometheus-query',
        QUERY,
        '--prometheus-condition',
        '== 0',
      ]
      const good = await lattice(args('v2', 'v1'), t.env())
      expect(good.code, good.stdout + good.stderr).toBe(0)
      expect(good.stdout).toMatch(
        /step 1\/2: prometheus gate passed: 0 of 1 measurements failed \(limit 0\), condition == 0: #1 0/,
      )
      const bad = await lattice(args('v3', 'v2'), t.env())
      expect(bad.code, bad.stdout + bad.stderr).toBe(ExitCode.ROLLED_BACK)
      expect(bad.stdout).toMatch(
        /step 1\/2: prometheus gate FAILED: 1 of 1 measurements failed \(limit 0\), condition == 0: #1 [\d.]+ ✖/,
      )
      expect(await weights()).toEqual({ v2: 100 })
    } finally {
      await stop()
    }
  })
})
