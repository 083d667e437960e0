/**
 * docs/rollouts.md's gate samples: a webhook receiver and a REAL Prometheus (scraping a metrics
 * endpoint this test serves) pass a rollout; a Prometheus condition that fails rolls one back;
 * and the JSON the webhook receives.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Receiver, startReceiver } from '../helpers/http-receiver.js'
import { type TestPrometheus, startPrometheus } from '../helpers/prometheus.js'
import { Transcript, expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const [X, Y] = [fixedActor(4), fixedActor(5)]
const metrics = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
  res.end(
    '# TYPE http_errors_ratio gauge\nhttp_errors_ratio{lattice="default",version="v1"} 0.004\nhttp_errors_ratio{lattice="default",version="v2"} 0.012\n',
  )
})

describe('gates in action', () => {
  let s: Scene
  let prom: TestPrometheus
  let hook: Receiver
  let t: Transcript
  beforeAll(async () => {
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve))
    ;[s, prom, hook] = await Promise.all([
      startScene(),
      startPrometheus([`127.0.0.1:${(metrics.address() as AddressInfo).port}`]),
      startReceiver((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"smoke tests green"}'),
      ),
    ])
    await prom.waitForData('http_errors_ratio')
    // The gates decide alone here: no metrics reports (no analysis), no app creds (no observed weight).
    await s.run(
      [X, Y].map((actor) => ({ actor, versions: ['v1', 'v2'] })),
      { hostId: 'host-b', metrics: false },
    )
    t = new Transcript(() => {
      const { LATTICE_APP_CREDS: _, ...env } = s.env()
      return env
    }, s.dir)
    for (const id of [X, Y]) await t.run(`lattice shift actor ${id} --to v1 --weight 100`, { hidden: true })
  }, 120_000)
  afterAll(async () => {
    await Promise.all([prom?.stop(), hook?.close(), s?.stop()])
    metrics.closeAllConnections()
    await new Promise((resolve) => metrics.close(resolve))
  })

  it('a webhook and a Prometheus gate pass; the webhook gets the step as JSON', async () => {
    t.reset()
    await t.run(`lattice rollout actor ${X} --from v1 --to v2 --steps 50,100 --interval 2s \\
    --gate-webhook ${hook.url}/gate \\
    --gate-prometheus ${prom.url} --prometheus-query 'http_errors_ratio{lattice="{{lattice}}",version="{{to}}"}' \\
    --prometheus-condition '< 0.05' --prometheus-count 2 --prometheus-interval 1s`)
    expectSample('rollouts/gates-passed', t.text())
    expect(hook.received.length).toBe(2)
    expectSample('rollouts/webhook-json', hook.received[0].body)
  }, 60_000)

  it('a Prometheus condition that fails more often than its limit rolls back', async () => {
    t.reset()
    await t.run(
      `lattice rollout actor ${Y} --from v1 --to v2 --steps 50,100 --interval 2s \\
    --gate-prometheus ${prom.url} --prometheus-query 'http_errors_ratio{version="{{to}}"}' \\
    --prometheus-condition '< 0.01' --prometheus-count 3 --prometheus-interval 1s --prometheus-failure-limit 1`,
      { code: 10, showExit: true },
    )
    expectSample('rollouts/gates-failed', t.text())
  }, 60_000)
})
