/**
 * Real-traffic analysis on a real server with real hosts (host-core, metrics on by default)
 * and real callers on the unversioned subject: no probe payload is given, so only the hosts'
 * reports of the calls they served can roll a canary back.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import type { Host } from '../../src/host-core/index.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { failingEvery, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let hosts: Host[] = []
beforeAll(async () => {
  hosts = await Promise.all([0, 1, 2].map((i) => t.host(`h${i}`, { logger: false })))
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** v1 (stable) and v-same answer at once; v-slow after 100 ms; v-flaky fails every tenth call. */
async function startVersions(actor: string): Promise<void> {
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v-same', count: 2, handler: () => 'v-same' })
  await hosts[1].startActor({ id: actor, version: 'v-slow', count: 2, handler: () => sleep(100).then(() => 'v-slow') })
  await hosts[2].startActor({ id: actor, version: 'v-flaky', count: 2, handler: failingEvery(10, 'v-flaky') })
}

/** Callers on the unversioned subject, open loop (a slow version does not slow the callers): about 160 calls a second. */
const traffic = (actor: string) =>
  t.traffic(`wasmbus.rpc.default.${actor}`, {
    batch: 4,
    pauseMs: 25,
    openLoop: true,
    timeoutMs: 5000,
    payload: new TextEncoder().encode('x'),
  })

const rollout = (actor: string, to: string, extra: string[] = [], steps = '20,50,100') =>
  lattice(
    [
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
      '3s',
      '--analysis-min-calls',
      '30',
      ...extra,
    ],
    t.env(),
  )

async function stableAt100(actor: string): Promise<void> {
  await startVersions(actor)
  const r = await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())
  expect(r.code, r.stderr).toBe(0)
}

const liveWeights = (actor: string) => weightsOf(t.env(), actor)

describe('real-traffic analysis', () => {
  // The sequential judge (the default) says when it stopped (how far into the step) and why (the metric's e-value); the fixed one judges at its end.
  const failedAt = (judge: string, metric: string) =>
    new RegExp(
      `real-traffic analysis failed at step 1${judge === 'sequential' ? ` \\(sequential judge, [\\d.]+ s into the step: ${metric} e-value [^)]+ stable calls\\)` : ''}: ${metric}: `,
    )

  it.each(['sequential', 'fixed'])(
    'a canary 100 ms slower is rolled back by the latency verdict alone, with the figures in the reason (%s judge)',
    async (judge) => {
      const actor = newActorId()
      await stableAt100(actor)
      const { stop } = await traffic(actor)
      const r = await rollout(actor, 'v-slow', ['--analysis-judge', judge])
      await stop()
      expect(r.code, r.stdout + r.stderr).toBe(ExitCode.ROLLED_BACK)
      expect(r.stdout).toMatch(/step 1\/3: analysis FAIL/)
      expect(r.stderr).toMatch(failedAt(judge, 'latency'))
      expect(await liveWeights(actor)).toEqual({ v1: 100 })
      const st = json<{
        analysis: {
          active: boolean
          judgements: {
            outcome: string
            verdicts: { metric: string; outcome: string; figures: Record<string, number | null> }[]
          }[]
        }
      }>(await lattice(['rollout', 'status', actor, '--json'], t.env()))
      const latency = st.analysis.judgements.at(-1)?.verdicts.find((v) => v.metric === 'latency')
      expect(latency?.outcome).toBe('fail')
    },
  )

  it.each(['sequential', 'fixed'])(
    'a canary failing one call in ten is rolled back by the error-rate verdict (%s judge)',
    async (judge) => {
      const actor = newActorId()
      await stableAt100(actor)
      const { stop } = await traffic(actor)
      const r = await rollout(actor, 'v-flaky', ['--analysis-judge', judge])
      await stop()
      expect(r.code, r.stdout + r.stderr).toBe(ExitCode.ROLLED_BACK)
      expect(r.stderr).toMatch(failedAt(judge, 'error-rate'))
      expect(await liveWeights(actor)).toEqual({ v1: 100 })
    },
  )

  it('an equal canary passes every step and completes; the canary is judged alone at 100%', async () => {
    const actor = newActorId()
    await stableAt100(actor)
    const { stop } = await traffic(actor)
    const r = await rollout(actor, 'v-same')
    await stop()
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/step 1\/3: analysis PASS/)
    expect(r.stdout).toMatch(/step 3\/3: analysis PASS \(canary alone/)
    expect(r.stdout).toMatch(/completed/)
    expect(await liveWeights(actor)).toEqual({ 'v-same': 100 })
  })

  it('a canary with no traffic holds as NODATA and never completes; abort puts the stable weights back', async () => {
    const actor = newActorId()
    await stableAt100(actor)
    const run = t.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v-same',
      '--steps',
      '50,100',
      '--interval',
      '1s',
      '--analysis-inconclusive-limit',
      '1',
    ])
    await run.waitFor(/paused, analysis NODATA at step 1 after 2 judgements/, 90_000)
    const st = await lattice(['rollout', 'status', actor], t.env())
    expect(st.stdout).toMatch(/Status: +paused \(analysis NODATA/)
    expect(st.stdout).toMatch(/NODATA error-rate: /)
    expect(await liveWeights(actor)).toEqual({ v1: 50, 'v-same': 50 })
    expect((await lattice(['rollout', 'abort', actor], t.env())).code).toBe(0)
    expect((await run.done).code).toBe(ExitCode.ROLLED_BACK)
    expect(run.output()).not.toMatch(/completed/)
    expect(await liveWeights(actor)).toEqual({ v1: 100 })
  })

  it('a dry run records the verdicts and acts on none: the slow canary completes', async () => {
    const actor = newActorId()
    await stableAt100(actor)
    const { stop } = await traffic(actor)
    const r = await rollout(actor, 'v-slow', ['--analysis-dry-run'], '50,100')
    await stop()
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/analysis on, dry run/)
    expect(r.stdout).toMatch(/step 1\/2: analysis FAIL/)
    expect(r.stdout).toMatch(/completed/)
  })

  it('the observed weight counts every version that serves the entity; gate commands get each share', async () => {
    const actor = newActorId()
    await startVersions(actor)
    expect(
      (await lattice(['shift', 'actor', actor, '--to', 'v-same', '--weight', '70', '--from', 'v1'], t.env())).code,
    ).toBe(0)
    const { stop } = await traffic(actor)
    const r = await lattice(
      [
        'rollout',
        'actor',
        actor,
        '--from',
        'v1',
        '--to',
        'v-flaky',
        '--steps',
        '10',
        '--interval',
        '4s',
        '--no-analysis',
        '--gate-cmd',
        'echo "observed=$LATTICE_ROLLOUT_OBSERVED shares=$LATTICE_ROLLOUT_SHARES"',
      ],
      t.env(),
    )
    await stop()
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const observed = Number(/observed weight ([\d.]+)%/.exec(r.stdout)?.[1])
    // v-same 70, v1 20, v-flaky 10: the old figure (v-flaky among v1 and v-flaky only) would be about 33%.
    expect(observed, r.stdout).toBeGreaterThan(4)
    expect(observed, r.stdout).toBeLessThan(18)
    const shares = JSON.parse(/shares=(\{.*\})/.exec(r.stdout)?.[1] ?? '{}') as Record<string, number>
    expect(Object.keys(shares).sort()).toEqual(['v-flaky', 'v-same', 'v1'])
    expect(shares['v-same']).toBeGreaterThan(55)
    expect(r.stdout).toMatch(/analysis off: turned off/)
  })

  it('--analysis where no host reports metrics is refused before anything changes (NO_METRICS)', async () => {
    const actor = newActorId()
    const quiet = await t.host('quiet', { logger: false, metrics: false, control: false })
    await quiet.startActor({ id: actor, version: 'v1', handler: () => 'v1' })
    await quiet.startActor({ id: actor, version: 'v2', handler: () => 'v2' })
    expect((await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())).code).toBe(0)
    const r = await lattice(
      ['rollout', 'actor', actor, '--from', 'v1', '--to', 'v2', '--interval', '1s', '--analysis'],
      t.env({ LATTICE_ANALYSIS_DISCOVERY_MS: '1500' }),
    )
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toMatch(/NO_METRICS.*No host reports metrics for actor/)
    expect(await liveWeights(actor)).toEqual({ v1: 100 })
    // auto: off, said why, and the gates alone decide
    const auto = await lattice(
      ['rollout', 'actor', actor, '--from', 'v1', '--to', 'v2', '--steps', '100', '--interval', '500ms'],
      t.env({ LATTICE_ANALYSIS_DISCOVERY_MS: '1500' }),
    )
    expect(auto.code, auto.stderr).toBe(0)
    expect(auto.stdout).toMatch(/analysis off: no host reports metrics for actor/)
  })
})
