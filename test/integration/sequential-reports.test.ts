/**
 * The sequential judge fed by host reports on the wire (issue #32, item 4): a real nats-server;
 * reports made and published by host-core's MetricsRegistry and MetricsPublisher as several hosts
 * with their own cumulative counters, each publishing when the test says (different moments, lost
 * reports, restarts); read by the real MetricsCollector and RolloutAnalysis; judged by the
 * SequentialJudge. Each report is waited for, so no timing matters. All hosts publish on one
 * connection, so hostile reports arrive in order too.
 */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { SequentialJudge } from '../../src/analysis/sequential-judge.js'
import { type MetricsReport, type VersionMetrics, metricsSubject } from '../../src/host-core/metrics-report.js'
import type { Judgement } from '../../src/rollout/traffic-analysis.js'
import { newActorId } from '../helpers/ids.js'
import { Reporter, deliver, reportedAnalysis } from '../helpers/metrics-reporter.js'
import { failingEvery, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice()
let nc: NatsConnection
beforeAll(async () => void (nc = await t.connect()))

const reporter = (actor: string) => new Reporter(nc, actor)

/** A canary host and a stable host of a new actor, the analysis begun, each host's base report (after the mark) taken. */
async function pair(canaryBase = 0, stableBase = 0) {
  const actor = newActorId()
  const [c, s] = [reporter(actor).serve('v2', 0), reporter(actor).serve('v1', 0)]
  const a = await reportedAnalysis(t, nc, actor, [c, s])
  await deliver(a, c.serve('v2', canaryBase))
  await deliver(a, s.serve('v1', stableBase))
  return { c, s, a, judge: new SequentialJudge(a.plan.thresholds) }
}

const counted = (j: Judgement, version: string) => [j.versions[version]?.calls, j.versions[version]?.errors]
const sum = (hosts: Reporter[], version: string) =>
  hosts.map((h) => h.window(version)).reduce(([c, e], [c2, e2]) => [c + c2, e + e2], [0, 0])

describe('sequential judge on host reports', () => {
  /**
   * Two canary hosts and one stable host on different schedules: c1 every tick, c2 every third
   * (from the second), s1 every second. Each host's calls count from its first report after the
   * mark to its latest, looked at after every report.
   */
  async function run(canaryErrorsPer10: number): Promise<{ looks: Judgement[]; first?: Judgement }> {
    const actor = newActorId()
    const [c1, c2, s1] = [reporter(actor), reporter(actor), reporter(actor)]
    // Before the mark: calls (some reported, some not yet) that must stay out of the window.
    c1.serve('v2', 30, 30)
    c2.serve('v2', 30, 30)
    s1.serve('v1', 100, 50)
    const a = await reportedAnalysis(t, nc, actor, [c1, c2, s1])
    c1.serve('v2', 7, 7) // made before the mark, reported after it: in the first report, the base
    const judge = new SequentialJudge(a.plan.thresholds)
    const looks: Judgement[] = []
    for (let tick = 0; tick < 24 && !looks.some((j) => j.outcome === 'fail'); tick++) {
      c1.serve('v2', 10, canaryErrorsPer10)
      c2.serve('v2', 10, canaryErrorsPer10)
      s1.serve('v1', 40, 0)
      const due = [c1, ...(tick % 3 === 1 ? [c2] : []), ...(tick % 2 === 0 ? [s1] : [])]
      for (const h of due) {
        await deliver(a, h)
        const j = a.look(false, judge)
        expect(counted(j, 'v2'), `tick ${tick}`).toEqual(sum([c1, c2], 'v2'))
        expect(counted(j, 'v1'), `tick ${tick}`).toEqual(sum([s1], 'v1'))
        looks.push(j)
      }
    }
    return { looks, first: looks.find((j) => j.outcome !== 'nodata' && j.outcome !== 'inconclusive') }
  }

  it('hosts reporting at different moments: each counted from its first report after the mark; a bad canary fails', async () => {
    const { looks, first } = await run(2)
    expect(first?.outcome).toBe('fail')
    expect(first?.verdicts[0]).toMatchObject({ metric: 'error-rate', outcome: 'fail' })
    // Never a call from before the mark: c1's 7 unreported calls, all failed, are in its base.
    expect(looks[0].versions.v2).toMatchObject({ calls: 0, errors: 0 })
  })

  it('an equal canary on the same schedules is never failed', async () => {
    const { looks } = await run(0)
    expect(looks.length).toBeGreaterThan(20)
    expect(looks.filter((j) => j.outcome === 'fail')).toEqual([])
  })

  it("a wait that ends undecided is concluded by the sequential judge, and the step's next wait builds on its evidence", async () => {
    const { c, s, a } = await pair()
    c.serve('v2', 30, 3) // 10% failing: not yet shown on 30 calls
    s.serve('v1', 300, 0)
    await deliver(a, c)
    await deliver(a, s)
    const concluded = await a.conclude(false)
    expect(concluded).toMatchObject({ judge: 'sequential' })
    expect(concluded.early).toBeUndefined()
    expect(concluded.outcome).not.toBe('fail')
    c.serve('v2', 60, 6)
    s.serve('v1', 600, 0)
    await deliver(a, c)
    await deliver(a, s)
    const j = a.look(false)
    expect(counted(j, 'v2')).toEqual([90, 9]) // the whole step, not the calls since the first wait ended
    expect(j).toMatchObject({ judge: 'sequential', early: true, outcome: 'fail' })
  })

  it('a lost report loses nothing (the next carries its calls) and counts nothing twice', async () => {
    const { c, s, a, judge } = await pair(5, 5)
    c.serve('v2', 20, 3)
    s.serve('v1', 200, 2)
    c.registry.next() // a report made and lost on the way
    c.serve('v2', 30, 1)
    await deliver(a, s)
    expect(counted(a.look(false, judge), 'v2')).toEqual([0, 0]) // c's report was lost
    await deliver(a, c)
    let j = a.look(false, judge)
    expect(counted(j, 'v2')).toEqual([50, 4])
    expect(counted(j, 'v1')).toEqual([200, 2])
    expect(j.verdicts[0].figures).toMatchObject({ canaryCalls: 50, canaryErrors: 4, stableCalls: 200, stableErrors: 2 })
    await deliver(a, c) // the same counters again: nothing new
    j = a.look(false, judge)
    expect(counted(j, 'v2')).toEqual([50, 4])
  })

  it('a host that restarts (counters from zero) keeps its calls of the step from before the restart and adds its new run', async () => {
    const { c, s, a, judge } = await pair(5, 5)
    c.serve('v2', 100)
    s.serve('v1', 400)
    await deliver(a, c)
    await deliver(a, s)
    expect(a.look(false, judge).verdicts.find((v) => v.metric === 'latency')?.outcome).not.toBe('nodata') // frozen
    c.restart(Date.now())
    c.serve('v2', 12, 1)
    await deliver(a, c)
    const j = a.look(false, judge)
    // The old run's 100 calls (its last report) and the new run's 12: the counts go on, the test with them.
    expect(counted(j, 'v2')).toEqual([112, 1])
    expect(counted(j, 'v1')).toEqual([400, 0])
    expect(j.verdicts.find((v) => v.metric === 'latency')?.outcome).not.toBe('nodata')
    expect(j.verdicts[0].figures).toMatchObject({ canaryCalls: 112, canaryErrors: 1, stableCalls: 400 })
    await deliver(a, c.serve('v2', 10))
    expect(counted(a.look(false, judge), 'v2')).toEqual([122, 1])
  })

  it('NODATA while a version has no calls, or the stable too few to freeze its median: never a pass or a fail', async () => {
    const { c, s, a, judge } = await pair()
    await deliver(a, s.serve('v1', 500)) // the canary has no call yet
    await deliver(a, s)
    let j = a.look(false, judge)
    expect(j.outcome).toBe('nodata')
    expect(j.verdicts[0]).toMatchObject({ metric: 'error-rate', outcome: 'nodata' })
    // A canary failing every call beside a stable with none: nodata, not fail.
    const b = await pair()
    await deliver(b.a, b.c.serve('v2', 40, 40))
    j = b.a.look(false, b.judge)
    expect(counted(j, 'v2')).toEqual([40, 40])
    expect(j.outcome).toBe('nodata')
    expect(j.verdicts.map((v) => v.outcome)).not.toContain('fail')
    // Too few stable calls (fewer than minCalls) to freeze the latency threshold: latency nodata.
    await deliver(a, c.serve('v2', 20))
    j = a.look(false, new SequentialJudge({ ...a.plan.thresholds, minCalls: 1000 }))
    expect(j.verdicts.find((v) => v.metric === 'latency')?.outcome).toBe('nodata')
    expect(j.outcome).toBe('nodata')
  })
})

describe('foreign reports', () => {
  it("a third version, versions with odd names, and another actor's v2 do not leak into the canary's or the stable's counts", async () => {
    const actor = newActorId()
    const other = newActorId()
    const odd = ['__proto__', 'constructor', 'v2 ', 'v2\u0000', 'v2.>', 'V2', '🙂']
    const c = reporter(actor).serve('v2', 0).serve('v3', 0)
    const [s, x] = [reporter(actor).serve('v1', 0), reporter(actor).serve('v3', 0)]
    for (const v of odd) x.serve(v, 0)
    const a = await reportedAnalysis(t, nc, actor, [c, s, x])
    const judge = new SequentialJudge(a.plan.thresholds)
    for (const h of [c, s, x]) await deliver(a, h)
    c.serve('v2', 30).serve('v3', 50, 50).serve('v2', 70, 70, 2, other)
    s.serve('v1', 300)
    x.serve('v3', 100, 100, 500)
    for (const v of odd) x.serve(v, 7, 7)
    for (const h of [c, s, x]) await deliver(a, h)
    const j = a.look(false, judge)
    expect([counted(j, 'v2'), counted(j, 'v1'), counted(j, 'v3')]).toEqual([
      [30, 0],
      [300, 0],
      [150, 150],
    ])
    for (const v of odd) expect(Object.getOwnPropertyDescriptor(j.versions, v)?.value, v).toMatchObject({ calls: 7 })
    expect(Object.getPrototypeOf(j.versions)).toBe(Object.prototype)
    expect(j.verdicts[0].figures).toMatchObject({ canaryCalls: 30, canaryErrors: 0, stableCalls: 300 })
    expect(j.verdicts.find((v) => v.metric === 'latency')?.outcome).not.toBe('fail')
    // A host that appears after the mark counts from its first report, like every other.
    const late = reporter(actor)
    await deliver(a, late.serve('v2', 5, 5))
    await deliver(a, late.serve('v2', 4, 1))
    expect(counted(a.look(false, judge), 'v2')).toEqual([34, 1])
    // A host claiming as many calls as a whole number can hold is believed, and looked at without a crash.
    const big = reporter(actor).serve('v2', 0)
    await deliver(a, big)
    const huge = JSON.parse(JSON.stringify(big.registry.next()))
    Object.assign(huge.versions[0], { calls: Number.MAX_SAFE_INTEGER, latency: [[3, Number.MAX_SAFE_INTEGER]] })
    await deliver(a, big, () => nc.publish(metricsSubject('default', big.id), JSON.stringify(huge)))
    expect(() => a.look(false, judge)).not.toThrow()
  })

  /** Each is published on the honest host's subject as its next report, then the honest report follows. */
  const hostile: [string, (r: MetricsReport, v2: VersionMetrics) => unknown][] = [
    ['not JSON', () => '{"v":1,'],
    ['NaN', () => '{"v":1,"calls":NaN}'],
    ['a negative counter', (r, v2) => ((v2.calls = -5), r)],
    ['a fraction of a call', (r, v2) => ((v2.calls = v2.calls + 1.5), r)],
    ['more errors than calls', (r, v2) => ((v2.errors = v2.calls + 10), r)],
    ['a huge counter', (r, v2) => ((v2.calls = 1e300), (v2.latency = [[3, 1e300]]), r)],
    ['a counter gone down in the same run', (r, v2) => ((v2.calls = 1), (v2.errors = 0), (v2.latency = [[3, 1]]), r)],
    ['more new errors than new calls', (r, v2) => ((v2.errors = v2.calls), r)],
    ['a version left out', (r) => ({ ...r, versions: [] })],
    ['a fraction in the latency', (r, v2) => ((v2.latency = [[3, 0.5]]), r)],
    ['a latency bucket twice', (r, v2) => ((v2.calls *= 2), (v2.latency = [...v2.latency, ...v2.latency]), r)],
    ['another lattice', (r) => ({ ...r, lattice: 'elsewhere' })],
    ['another host', (r) => ({ ...r, host: 'someone-else' })],
    ['the version twice', (r, v2) => ({ ...r, versions: [...r.versions, { ...v2 }] })],
  ]

  it.each(hostile)('a report with %s is ignored: no crash, the counts unchanged', async (what, make) => {
    const { c, s, a, judge } = await pair(50) // the canary's base: 50 calls, none failed
    await deliver(a, s.serve('v1', 100))
    c.serve('v2', 3, 1)
    const next = JSON.parse(JSON.stringify({ ...c.registry.report(), seq: c.registry.report().seq + 1 }))
    const body = make(next, next.versions[0])
    await deliver(a, c, () => {
      nc.publish(metricsSubject('default', c.id), typeof body === 'string' ? body : JSON.stringify(body))
      c.publish()
    })
    const j = a.look(false, judge)
    expect([counted(j, 'v2'), counted(j, 'v1')], what).toEqual([
      [3, 1],
      [100, 0],
    ])
  })
})

describe('real hosts', () => {
  it('host-core hosts reporting every 100, 250 and 400 ms: a bad canary fails within seconds, counts never go down', async () => {
    const [fast, mid, slow] = await Promise.all(
      [100, 250, 400].map((intervalMs) => t.host(undefined, { logger: false, metrics: { intervalMs } })),
    )
    const actor = newActorId()
    await mid.startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
    for (const h of [fast, slow]) await h.startActor({ id: actor, version: 'v2', handler: failingEvery(5, 'v2') })
    // About 160 calls a second on the unversioned subject: spread over every instance (no mapping).
    await t.traffic(`wasmbus.rpc.default.${actor}`, { batch: 4, pauseMs: 25, openLoop: true, timeoutMs: 5000 })
    const a = await reportedAnalysis(t, nc, actor)
    const judge = new SequentialJudge(a.plan.thresholds)
    const before = { v1: [0, 0], v2: [0, 0] }
    for (const end = Date.now() + 60_000; Date.now() < end;) {
      await a.nextReport(1000)
      const j = a.look(false, judge)
      for (const v of ['v1', 'v2'] as const) {
        const [calls, errors] = counted(j, v)
        expect(calls).toBeGreaterThanOrEqual(before[v][0])
        expect(errors).toBeGreaterThanOrEqual(before[v][1])
        expect(errors).toBeLessThanOrEqual(calls)
        before[v] = [calls, errors]
      }
      if (j.outcome !== 'fail') continue
      expect(j.verdicts[0]).toMatchObject({ metric: 'error-rate', outcome: 'fail' })
      expect([before.v1[1], before.v2[0] > 0]).toEqual([0, true])
      return
    }
    expect.fail(`no fail within 60 s: v1 ${before.v1}, v2 ${before.v2}`)
  })
})
