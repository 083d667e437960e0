/**
 * The sequential judge (--analysis-judge sequential) on a real server with real hosts and steady
 * callers: under --interval 60s a canary failing one call in five is rolled back within seconds,
 * and an equal canary with --early-promote completes long before its steps' intervals add up.
 * Bounds are generous (a loaded 2-core machine): the point is seconds, not the full minute.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Judgement } from '../../src/analysis/record.js'
import { analysisOf } from '../../src/dashboard/results-to-model.js'
import { ExitCode } from '../../src/errors.js'
import type { Host } from '../../src/host-core/index.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf } from '../helpers/cli-json.js'
import { reply, startReceiver } from '../helpers/http-receiver.js'
import { newActorId } from '../helpers/ids.js'
import { failingEvery, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let hosts: Host[] = []
beforeAll(async () => {
  hosts = await Promise.all([0, 1, 2].map((i) => t.host(`h${i}`, { logger: false })))
})

/** v1 (stable) and v-same answer at once on different hosts; v-bad fails every fifth call (20%). */
async function stableAt100(actor: string): Promise<void> {
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v-same', count: 2, handler: () => 'v-same' })
  await hosts[2].startActor({ id: actor, version: 'v-bad', count: 2, handler: failingEvery(5, 'v-bad') })
  const r = await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())
  expect(r.code, r.stderr).toBe(0)
}

/** Callers on the unversioned subject, open loop: about 160 calls a second. */
const traffic = (actor: string) =>
  t.traffic(`wasmbus.rpc.default.${actor}`, {
    batch: 4,
    pauseMs: 25,
    openLoop: true,
    timeoutMs: 5000,
    payload: new TextEncoder().encode('x'),
  })

const rollout = (actor: string, to: string, steps: string, extra: string[] = []) =>
  t.background([
    'rollout',
    'actor',
    actor,
    '--from',
    'v1',
    '--to',
    to,
    '--steps',
    steps,
    '--interval',
    '60s',
    '--analysis-judge',
    'sequential',
    ...extra,
  ])

describe('sequential judge', () => {
  it('a canary failing 20% of its calls at 10-20% weight is rolled back within seconds of a 60 s interval', async () => {
    const actor = newActorId()
    await stableAt100(actor)
    const { stop } = await traffic(actor)
    const started = Date.now()
    const notified = await startReceiver((_req, res) => reply(res, 204))
    const r = await rollout(actor, 'v-bad', '10,20,50,100', ['--notify', notified.url]).done
    const took = Date.now() - started
    await stop()
    await notified.close()
    expect(r.code, r.stdout + r.stderr).toBe(ExitCode.ROLLED_BACK)
    expect(took, r.stdout).toBeLessThan(30_000)
    // The verdict line: when (sequential judge, seconds into the step) and why (metric, e-value, test, calls per version).
    const whenAndWhy =
      /\(sequential judge, [\d.]+ s into the step: error-rate e-value \S+ at α=0\.005, a likelihood ratio of the error rates, on \d+ canary and \d+ stable calls\)/
    expect(r.stdout).toMatch(
      new RegExp(
        `step 1/4: analysis FAIL ${whenAndWhy.source}; error-rate FAIL: .*e-value .*canary [\\d.]+% of \\d+ calls`,
      ),
    )
    expect(r.stderr).toMatch(new RegExp(`real-traffic analysis failed at step 1 ${whenAndWhy.source}: error-rate: `))
    expect(await weightsOf(t.env(), actor)).toEqual({ v1: 100 })
    const st = await lattice(['rollout', 'status', actor], t.env())
    expect(st.stdout).toMatch(/Status: +rolled-back \(real-traffic analysis failed at step 1 \(sequential judge/)
    expect(st.stdout).toMatch(new RegExp(`\\n  FAIL ${whenAndWhy.source}\\n`))
    const record = json<RolloutRecord>(await lattice(['rollout', 'status', actor, '--json'], t.env()))
    expect(record.analysis?.judgements.at(-1)).toMatchObject({ early: true, judge: 'sequential', outcome: 'fail' })
    expect(analysisOf(record).judgement?.head).toMatch(new RegExp(`^FAIL ${whenAndWhy.source}$`)) // the dashboard's
    // The notifications (the --json events): the verdict and the rollback carry the stop, structured.
    const events = notified.received.map((x) => JSON.parse(x.body).event as { type: string; judgement?: Judgement })
    for (const type of ['verdict', 'rolled-back'])
      expect(events.find((e) => e.type === type)?.judgement, type).toMatchObject({
        early: true,
        stop: { judge: 'sequential' },
      })
    const evidence = events.find((e) => e.type === 'verdict')?.judgement?.stop?.metrics[0]
    expect(evidence).toMatchObject({ metric: 'error-rate', outcome: 'fail', alpha: 0.005 }) // α = 1% by default, half to each metric
    expect(evidence?.eValue).toBeGreaterThanOrEqual(40)
    expect(evidence?.canaryCalls).toBeGreaterThan(0)
  })

  it('an equal canary with --early-promote completes long before steps x interval', async () => {
    const actor = newActorId()
    await stableAt100(actor)
    const { stop } = await traffic(actor)
    const started = Date.now()
    const r = await rollout(actor, 'v-same', '50,100', ['--early-promote', '--json']).done
    const took = Date.now() - started
    await stop()
    expect(r.code, r.stdout + r.stderr).toBe(0)
    // The intervals alone add up to 120 s; an early pass of each step ends well before (about 30 s idle).
    expect(took, r.stdout).toBeLessThan(100_000)
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; judgement?: { early?: boolean; outcome: string } })
    const early = events.filter((e) => e.type === 'verdict' && e.judgement?.early)
    expect(early.length, r.stdout).toBeGreaterThan(0)
    expect(early.every((e) => e.judgement?.outcome === 'pass')).toBe(true)
    expect(events.at(-1)?.type).toBe('completed')
    expect(await weightsOf(t.env(), actor)).toEqual({ 'v-same': 100 })
  }, 200_000)
})
