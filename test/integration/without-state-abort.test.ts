/**
 * `rollout abort --without-state` on a real server: from the runner machine's copy of the record,
 * with no copy here (what to run), and after the runner's state went away mid-rollout.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { ExitCode } from '../../src/errors.js'
import { openConnection } from '../../src/resolver/connection.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { LOADED_MS, useMachines } from '../helpers/machines.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ jetstream: true })
const { machine, up, down } = useMachines(t)

const shift = (env: Record<string, string>, actor: string, ...rest: string[]) =>
  lattice(['shift', 'actor', actor, '--force', ...rest], env)

/** Start a rollout runner from `env`; resolves once `until` shows in its output. */
async function startRunner(env: Record<string, string>, actor: string, until: RegExp, ...rest: string[]) {
  const run = t.background(['rollout', 'actor', actor, '--force', ...rest], env)
  await run.waitFor(until, 30_000)
  return run
}

describe('rollout abort --without-state', () => {
  it(
    'restores the stable weights from the runner machine’s copy of the record; the runner stops without pushing',
    async () => {
      const here = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--to', 'v1', '--weight', '100', '--from', 'v0')).code).toBe(0)
      const run = await startRunner(
        up(here),
        actor,
        /set weight 10%/,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '10,100',
        '--interval',
        '60s',
      )
      try {
        expect(await weightsOf(up(here), actor)).toEqual({ v1: 90, v2: 10 })
        expect(readdirSync(join(here, 'rollouts', t.l.appAccount))).toHaveLength(1)

        const abort = await lattice(['rollout', 'abort', actor, '--without-state'], down(here))
        expect(abort.code, abort.stderr).toBe(0)
        expect(abort.stderr).toMatch(/PUSHED WITHOUT THE LATTICE STATE/)
        expect(abort.stdout).toMatch(
          /rolled-back \(aborted by .* without the lattice state .* restored from this machine's copy of the rollout record/,
        )
        expect(await weightsOf(up(here), actor)).toEqual({ v1: 100 })
        // The runner sees the abort made here and stops, pushing nothing more; the bucket record says what happened.
        expect((await run.done).code, run.output()).toBe(ExitCode.ROLLED_BACK)
        expect(run.output()).not.toMatch(/set weight 100%/)
        const st = json<{ phase: string; abortedWithoutState?: unknown }>(
          await lattice(['rollout', 'status', actor, '--json'], up(here)),
        )
        expect(st.phase).toBe('rolled-back')
        expect(st.abortedWithoutState).toBeDefined()
        expect(await weightsOf(up(here), actor)).toEqual({ v1: 100 })
      } finally {
        await run.stop()
      }
    },
    LOADED_MS,
  )

  it(
    'with no copy here, says exactly what to run (both candidates and what decides), and changes nothing',
    async () => {
      const runnerMachine = machine()
      const here = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--to', 'v1', '--weight', '100', '--from', 'v0')).code).toBe(0)
      const run = await startRunner(
        up(runnerMachine),
        actor,
        /set weight 10%/,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '10,100',
        '--interval',
        '60s',
      )
      try {
        const before = await liveJwt(t.l)
        const r = await lattice(['rollout', 'abort', actor, '--without-state'], down(here))
        expect(r.code).toBe(ExitCode.CONNECTION)
        expect(r.stderr).toMatch(/ROLLOUT_RECORD_UNAVAILABLE/)
        expect(r.stderr).toMatch(/Live weights of actor \S+: v1 90%, v2 10%/)
        expect(r.stderr).toContain(
          `If v1 was the stable version, run:\n    lattice shift actor ${actor} --to v1 --weight 100 --without-state`,
        )
        expect(r.stderr).toContain(`lattice shift actor ${actor} --to v2 --weight 100 --without-state`)
        expect(r.stderr).toMatch(/What decides: which version served the traffic before the rollout/)
        const j = json<{ error: { code: string; details: { commands: string[] } } }>(
          await lattice(['rollout', 'abort', actor, '--without-state', '--json'], down(here)),
        )
        expect(j.error.details.commands).toEqual([
          `lattice shift actor ${actor} --to v1 --weight 100 --without-state`,
          `lattice shift actor ${actor} --to v2 --weight 100 --without-state`,
        ])
        expect(await liveJwt(t.l)).toBe(before)
      } finally {
        await lattice(['rollout', 'abort', actor], up(here))
        await run.stop()
      }
    },
    LOADED_MS,
  )

  it('a runner whose state goes away mid-rollout says exactly what to run, and that abort restores the stable weights', async () => {
    const here = machine()
    const actor = newActorId()
    // A bucket of its own, so that removing it leaves the other tests' history alone.
    const bucket = { LATTICE_STATE_BUCKET: 'lattice-state-doomed' }
    expect((await shift(up(here, bucket), actor, '--to', 'v1', '--weight', '100', '--from', 'v0')).code).toBe(0)
    const run = await startRunner(
      up(here, bucket),
      actor,
      /set weight 10%/,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '10,100',
      '--interval',
      '2s',
    )
    try {
      const nc = await openConnection({ servers: t.l.url, creds: readCreds(t.l.appCredsFile) })
      try {
        await (await nc.jetstreamManager()).streams.delete('KV_lattice-state-doomed')
      } finally {
        await nc.close()
      }
      // Each read of the lost bucket waits out the JetStream request timeout: this takes a while.
      expect((await run.done).code, run.output()).toBe(ExitCode.CONNECTION)
      expect(run.output()).toMatch(
        /STATE_UNAVAILABLE.*the rollout of actor \S+ stopped, and the stable weights \(v1 100%\) could not be restored/,
      )
      expect(run.output()).toContain(`Run \`lattice rollout abort ${actor} --without-state\` on this machine`)
      expect(await weightsOf(up(here), actor)).toEqual({ v1: 90, v2: 10 })
      const abort = await lattice(['rollout', 'abort', actor, '--without-state'], down(here, bucket))
      expect(abort.code, abort.stderr).toBe(0)
      expect(await weightsOf(up(here), actor)).toEqual({ v1: 100 })
    } finally {
      await run.stop()
    }
  }, 120_000)
})
