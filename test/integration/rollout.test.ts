/**
 * Progressive rollouts on a real server with real hosts (host-core): a healthy version reaches
 * 100%, a failing one is rolled back (and the measured split returns to the stable version),
 * and an abort from a second process stops a running rollout.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf as liveWeights } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { failingEvery, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let caller: NatsConnection

const actor = newActorId()
/** v1 and v2 answer with their version; v3 fails every call. */
beforeAll(async () => {
  caller = await t.connect()
  const hosts = await Promise.all([0, 1, 2].map((i) => t.host(`h${i}`)))
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: () => 'v2' })
  await hosts[2].startActor({ id: actor, version: 'v3', count: 2, handler: failingEvery(1, 'v3', 'v3 is broken') })
})

/** Who answers `n` calls on the unversioned subject (errors counted as "error"). */
async function callSplit(n = 400): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  await Promise.all(
    Array.from({ length: n }, async () => {
      const reply = await caller.request(`wasmbus.rpc.default.${actor}`, new TextEncoder().encode('x'), {
        timeout: 2000,
      })
      const who = reply.headers?.get('Nats-Service-Error') ? 'error' : reply.string()
      out[who] = (out[who] ?? 0) + 1
    }),
  )
  return out
}

const weightsOf = () => liveWeights(t.env(), actor)

describe('rollout', () => {
  it('a version that passes every gate reaches 100%', async () => {
    // A loaded 2-core CI box stalls single probes by tens of ms: the latency margin is not what this tests.
    expect((await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100'], t.env())).code).toBe(0)
    // Steady traffic while the rollout runs, so it observes the split. The gates are what this tests
    // (real-traffic analysis is analysis.test's: this closed-loop caller slows down on a loaded box).
    let traffic = true
    const caller = (async () => {
      while (traffic) await callSplit(20)
    })()
    const r = await lattice(
      [
        'rollout',
        'actor',
        actor,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '1s',
        '--probe-payload',
        'ping',
        '--latency-margin-ms',
        '2000',
        '--gate-cmd',
        'test "$LATTICE_ROLLOUT_TO" = v2',
        '--no-analysis',
      ],
      t.env(),
    )
    traffic = false
    await caller
    expect(r.code, r.stderr).toBe(0)
    const observed = Number(/step 1\/2: observed weight ([\d.]+)%/.exec(r.stdout)?.[1])
    expect(Math.abs(observed - 50), r.stdout).toBeLessThanOrEqual(15)
    expect(r.stdout).toMatch(/step 1\/2: set weight 50%/)
    expect(r.stdout).toMatch(/step 2\/2: probe gate passed: v2: 20\/20 ok/)
    expect(r.stdout).toMatch(/step 2\/2: command gate passed: exit 0/)
    expect(r.stdout).toMatch(/completed/)
    expect(await weightsOf()).toEqual({ v2: 100 })
    expect(await callSplit()).toEqual({ v2: 400 })
    const st = json<{ phase: string; setWeight: number }>(
      await lattice(['rollout', 'status', actor, '--json'], t.env()),
    )
    expect(st).toMatchObject({ phase: 'completed', setWeight: 100 })
  })

  it('a version whose probes fail is rolled back: exit 10, and the measured split returns to the stable version', async () => {
    const r = await lattice(
      [
        'rollout',
        'actor',
        actor,
        '--from',
        'v2',
        '--to',
        'v3',
        '--steps',
        '20,100',
        '--interval',
        '300ms',
        '--probe-payload',
        'ping',
        '--no-analysis',
        '--json',
      ],
      t.env(),
    )
    expect(r.code).toBe(ExitCode.ROLLED_BACK)
    const events = r.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { type: string; gate?: { pass: boolean; detail: string }; error?: { code: string } },
      )
    expect(events.map((e) => e.type ?? 'error')).toEqual(['started', 'step', 'gate', 'rolled-back', 'error'])
    expect(events.find((e) => e.type === 'gate')?.gate).toMatchObject({
      pass: false,
      detail: expect.stringMatching(/error rate 100% > 1%.*error reply: v3 is broken/),
    })
    expect(events.at(-1)?.error?.code).toBe('ROLLED_BACK')
    expect(await weightsOf()).toEqual({ v2: 100 })
    expect(await callSplit()).toEqual({ v2: 400 })
  })

  it('an abort from a second process stops a running rollout within a second or two', async () => {
    const runner = t.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v2',
      '--to',
      'v1',
      '--steps',
      '10,100',
      '--interval',
      '60s',
    ])
    await runner.waitFor(/set weight 10%/, 20_000)
    expect(await weightsOf()).toEqual({ v2: 90, v1: 10 })

    const abort = await lattice(['rollout', 'abort', actor], t.env())
    expect(abort.code, abort.stderr).toBe(0)
    expect(abort.stdout).toMatch(/Status: +rolled-back \(aborted by /)
    expect((await runner.done).code).toBe(ExitCode.ROLLED_BACK)
    expect(runner.stdout()).toMatch(/ROLLED BACK to the stable weights: aborted by/)
    expect(await weightsOf()).toEqual({ v2: 100 })
  })

  it('runs the rollouts of a spec file; a pause waits for `rollout promote` from another process', async () => {
    const file = join(t.l.dir, 'rollouts.yaml')
    writeFileSync(
      file,
      `rollouts:\n  - actor: ${actor}\n    from: v2\n    to: v1\n    steps: [50, pause, 100]\n    interval: 300ms\n    analysis: off\n    gates:\n      command: test "$LATTICE_ROLLOUT_WEIGHT" -le 100\n`,
    )
    const runner = t.background(['rollout', '-f', file])
    await runner.waitFor(/paused/, 20_000)
    expect(runner.output()).toMatch(/after step 1\/2: paused, waiting for `lattice rollout promote`/)
    const st = json<{ phase: string; setWeight: number }>(
      await lattice(['rollout', 'status', actor, '--json'], t.env()),
    )
    expect(st).toMatchObject({ phase: 'paused', setWeight: 50 })
    expect((await lattice(['rollout', 'promote', actor], t.env())).code).toBe(0)
    expect((await runner.done).code, runner.output()).toBe(0)
    expect(runner.output()).toMatch(/promoted: continuing[\s\S]*step 2\/2: set weight 100%[\s\S]*completed/)
    expect(await weightsOf()).toEqual({ v1: 100 })
  })

  it('an abort during a long gate command stops it at once, with no further step pushed', async () => {
    expect(await weightsOf()).toEqual({ v1: 100 })
    const started = Date.now()
    const runner = t.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '10,100',
      '--interval',
      '200ms',
      '--gate-cmd',
      'sleep 120',
      '--no-analysis',
    ])
    await runner.waitFor(/set weight 10%/, 20_000)
    await new Promise((r) => setTimeout(r, 500)) // inside the gate command now
    const abort = await lattice(['rollout', 'abort', actor], t.env())
    expect(abort.code, abort.stderr).toBe(0)
    expect((await runner.done).code).toBe(ExitCode.ROLLED_BACK)
    // Cut short: long before the gate command's two minutes (a loaded CI box takes seconds per CLI start).
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(runner.stdout()).not.toMatch(/set weight 100%/)
    expect(await weightsOf()).toEqual({ v1: 100 })
  }, 120_000)

  it('an interrupt with --on-interrupt hold leaves the weights (exit 12); abort then restores them', async () => {
    const runner = t.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '30,100',
      '--interval',
      '60s',
      '--on-interrupt',
      'hold',
      '--no-analysis',
    ])
    await runner.waitFor(/set weight 30%/, 20_000)
    const held = await runner.stop('SIGINT')
    expect(held.code, runner.output()).toBe(ExitCode.HELD)
    expect(runner.output()).toMatch(/ROLLOUT_HELD/)
    expect(await weightsOf()).toEqual({ v1: 70, v2: 30 })
    const abort = await lattice(['rollout', 'abort', actor], t.env())
    expect(abort.code, abort.stderr).toBe(0)
    expect(abort.stdout).toMatch(/the rollout was held, so the abort restored the stable weights itself/)
    expect(await weightsOf()).toEqual({ v1: 100 })
  })

  it('refuses a plan the live weights cannot reach, before pushing anything', async () => {
    expect(
      (await lattice(['shift', 'actor', actor, '--to', 'v3', '--weight', '50', '--from', 'v1'], t.env())).code,
    ).toBe(0)
    const before = await weightsOf()
    const r = await lattice(
      [
        'rollout',
        'actor',
        actor,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '10,100',
        '--interval',
        '100ms',
        '--no-analysis',
      ],
      t.env(),
    )
    expect(r.code).toBe(ExitCode.INVALID_INPUT)
    expect(r.stderr).toMatch(/INVALID_ROLLOUT.*v2 cannot reach 100%: other versions hold 50%/)
    expect(await weightsOf()).toEqual(before)
    expect(
      (await lattice(['shift', 'actor', actor, '--to', 'v1', '--weight', '100', '--from', 'v3'], t.env())).code,
    ).toBe(0)
  })

  it('refuses bad plans before contacting anything, and needs the state', async () => {
    const bad = await lattice(['rollout', 'actor', actor, '--from', 'v1', '--to', 'v2', '--steps', '50,20'], t.env())
    expect(bad.code).toBe(ExitCode.INVALID_INPUT)
    expect(bad.stderr).toMatch(/INVALID_ROLLOUT.*Steps must increase: 20 after 50/)
    const noState = await lattice(['rollout', 'actor', actor, '--from', 'v2', '--to', 'v1'], {
      ...t.env(),
      LATTICE_STATE_CREDS: undefined,
    })
    expect(noState.code).toBe(ExitCode.INVALID_INPUT)
    expect(noState.stderr).toMatch(/NO_STATE.*--state-creds/)
  })
})
