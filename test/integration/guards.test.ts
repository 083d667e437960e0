/**
 * Safety refusals around rollouts and versions, on a real server with real hosts (host-core):
 * a change during a running rollout, a rollout that would start below the live weight, a spec
 * older than a completed rollout, and a version nothing runs (a typo, a wrong lattice). Each is
 * refused with nothing pushed, and goes ahead with --force.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { weightsOf as liveWeights } from '../helpers/cli-json.js'
import { liveJwt } from '../helpers/live.js'
import { useRolloutLattice } from '../helpers/rollout-lattice.js'

const rl = useRolloutLattice()

const env = () => rl.env()
/** Who started or completed a rollout: user@host, and the CI job when run by one. */
const WHO = '\\S+@\\S+(?: \\([^)]*\\))?'
const weightsOf = (actor: string) => liveWeights(env(), actor)

/** A rollout in a second process, waiting 60 s after its first step; resolves once that step is set. */
async function backgroundRollout(actor: string) {
  const runner = rl.background([
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
    '60s',
    '--no-analysis',
  ])
  await runner.waitFor(/set weight 10%/, 30_000)
  return runner
}

describe('a change during a running rollout', () => {
  it('shift, fault and apply are refused naming the rollout, nothing pushed; rollback warns and goes ahead; --force goes ahead', async () => {
    const actor = await rl.actor()
    const spec = join(rl.l.dir, 'during.yaml')
    writeFileSync(spec, `environments:\n  blue:\n    actors: { ${actor}: v1 }\nlive: blue\n`)
    const runner = await backgroundRollout(actor)
    const before = await liveJwt(rl.l)

    const shift = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '50'], env())
    expect(shift.code, shift.stderr).toBe(ExitCode.LIVE_STATE)
    expect(shift.stderr).toMatch(
      new RegExp(
        `ROLLOUT_RUNNING.*A rollout of actor ${actor} is running \\(v1 -> v2, step 1 of 2: v2 at 10%; started \\S+ by ${WHO}\\): its next step or its abort would overwrite this change\\. Nothing was changed\\.`,
      ),
    )
    expect(shift.stderr).toContain(`\`lattice rollout status ${actor}\``)
    expect(shift.stderr).toContain(`\`lattice rollout abort ${actor}\` (puts back v1 100%)`)
    const fault = await lattice(['fault', 'actor', actor, '--drop', '5', '--json'], env())
    expect(fault.code).toBe(ExitCode.LIVE_STATE)
    expect(
      json<{ error: { code: string; details: { rollout: { phase: string; setWeight: number } } } }>(fault).error,
    ).toMatchObject({ code: 'ROLLOUT_RUNNING', details: { rollout: { phase: 'running', setWeight: 10 } } })
    const apply = await lattice(['apply', '-f', spec], env())
    expect(apply.code).toBe(ExitCode.LIVE_STATE)
    expect(apply.stderr).toMatch(/ROLLOUT_RUNNING/)
    expect(await liveJwt(rl.l)).toBe(before)
    // A dry run says it would be refused.
    const dry = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '50', '--dry-run'], env())
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toMatch(/A rollout of actor \S+ is running .* The change would be refused without --force\./)

    // The emergency path: a rollback goes ahead, saying the rollout is running and how to stop it.
    const back = await lattice(['rollback'], env())
    expect(back.code, back.stderr).toBe(0)
    expect(back.stderr).toMatch(
      new RegExp(
        `A rollout of actor ${actor} is running .*The rollback goes ahead \\(the emergency path\\); \`lattice rollout abort ${actor}\` stops the rollout\\.`,
      ),
    )
    expect(await weightsOf(actor)).toEqual({ v1: 100 })

    const forced = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--force'], env())
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stderr).toMatch(/A rollout of actor \S+ is running .* Going ahead because of --force\./)
    expect(await weightsOf(actor)).toEqual({ v1: 60, v2: 40 })

    // The rollout's own way back is never refused.
    const abort = await lattice(['rollout', 'abort', actor], env())
    expect(abort.code, abort.stderr).toBe(0)
    expect((await runner.done).code, runner.output()).toBe(ExitCode.ROLLED_BACK)
    expect(await weightsOf(actor)).toEqual({ v1: 100 })
    // Once it is over, shifts pass again.
    expect((await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '20'], env())).code).toBe(0)
  }, 120_000)
})

describe('a rollout that would start below the live weight', () => {
  it('is refused with the live weight and where to start, nothing pushed; --force starts it', async () => {
    const actor = await rl.actor()
    expect((await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '30'], env())).code).toBe(0)
    const before = await liveJwt(rl.l)
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
        '10,50,100',
        '--interval',
        '200ms',
        '--no-analysis',
      ],
      env(),
    )
    expect(r.code).toBe(ExitCode.INVALID_INPUT)
    expect(r.stderr).toContain(
      'Error [INVALID_ROLLOUT]: v2 has 30% now (live: v1 70%, v2 30%): the first step, 10%, would take traffic away from it. Nothing was changed.',
    )
    expect(r.stderr).toContain(
      'Start from it: steps above 30, e.g. --steps 50,100; or pass --force to go down to 10% first',
    )
    expect(await liveJwt(rl.l)).toBe(before)
    expect((await lattice(['rollout', 'status', actor], env())).code).toBe(ExitCode.LIVE_STATE) // NO_ROLLOUT: none was started

    const forced = await lattice(
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
        '200ms',
        '--no-analysis',
        '--force',
      ],
      env(),
    )
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/going down to the first step from the live 30% \(--force\)/)
    expect(forced.stdout).toMatch(/step 1\/2: set weight 10%[\s\S]*step 2\/2: set weight 100%[\s\S]*completed/)
    expect(await weightsOf(actor)).toEqual({ v2: 100 })
  }, 120_000)
})

describe('a spec older than a completed rollout', () => {
  it('plan warns which rollout changed the live state; apply refuses (nothing pushed) and says what to set; --force applies', async () => {
    const actor = await rl.actor()
    const spec = join(rl.l.dir, 'blue-green.yaml')
    writeFileSync(
      spec,
      `environments:\n  blue:\n    actors: { ${actor}: v1 }\n  green:\n    actors: { ${actor}: v2 }\nlive: blue\n`,
    )
    const done = await lattice(
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
        '200ms',
        '--no-analysis',
      ],
      env(),
    )
    expect(done.code, done.stderr).toBe(0)
    const revision = json<{ revision: number }>(await lattice(['rollout', 'status', actor, '--json'], env())).revision
    expect(revision).toBeGreaterThan(0)

    const plan = await lattice(['plan', '-f', spec], env())
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stderr).toMatch(
      new RegExp(
        `The live routing of actor ${actor} is newer than ${spec}: the rollout v1 -> v2 completed at \\S+, revision ${revision} \\(by ${WHO}\\) and left v2 100%; ${spec} would put back v1 100%\\. The change would be refused without --force\\.`,
      ),
    )

    const before = await liveJwt(rl.l)
    const apply = await lattice(['apply', '-f', spec, '--json'], env())
    expect(apply.code).toBe(ExitCode.LIVE_STATE)
    const error = json<{ error: { code: string; hint: string; details: { rollout: Record<string, unknown> } } }>(
      apply,
    ).error
    expect(error).toMatchObject({
      code: 'LIVE_NEWER',
      details: { rollout: { from: 'v1', to: 'v2', revision, live: { v2: 100 }, spec: { v1: 100 } } },
    })
    expect(error.hint).toBe(
      `Set live: green in ${spec} (the rollout made green live), so the file says what is live; or pass --force to apply ${spec} as it is (undoing the rollout).`,
    )
    expect(await liveJwt(rl.l)).toBe(before)

    const forced = await lattice(['apply', '-f', spec, '--force'], env())
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stderr).toMatch(/is newer than .* Going ahead because of --force\./)
    expect(await weightsOf(actor)).toEqual({ v1: 100 })
    // The rollout is undone on purpose now: the next apply passes without a word.
    const again = await lattice(['apply', '-f', spec], env())
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toMatch(/newer/)
  }, 120_000)
})

describe('the rollouts of a spec file', () => {
  it('once completed, rewrite live: to the environment they made live, so plan proposes nothing', async () => {
    const actor = await rl.actor()
    const spec = join(rl.l.dir, 'declared.yaml')
    writeFileSync(
      spec,
      `# kept\nenvironments:\n  blue:\n    actors: { ${actor}: v1 }\n  green:\n    actors: { ${actor}: v2 }\nlive: blue # the live one\nrollouts:\n  - actor: ${actor}\n    from: v1\n    to: v2\n    steps: [50, 100]\n    interval: 200ms\n    analysis: off\n`,
    )
    const r = await lattice(['rollout', '-f', spec], env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`${spec}: live: green (was blue; the rollouts made green live).`)
    expect(readFileSync(spec, 'utf8')).toMatch(/^# kept\n[\s\S]*\nlive: green # the live one\n/)
    const plan = await lattice(['plan', '-f', spec, '--detailed-exitcode'], env())
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stderr).not.toMatch(/newer/)
  }, 120_000)
})

describe('a version nothing runs', () => {
  it('a typo: the running versions with their instances, the account, and "did you mean"', async () => {
    const actor = await rl.actor()
    const r = await lattice(['shift', 'actor', actor, '--to', 'V2', '--weight', '10', '--json'], env())
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    const error = json<{ error: { code: string; message: string; details: Record<string, unknown> } }>(r).error
    expect(error.code).toBe('VERSION_NOT_READY')
    expect(error.message).toContain(
      `Nothing subscribes to actor ${actor} version V2 in lattice default of account ${rl.l.appAccount} ("APP")`,
    )
    expect(error.message).toContain(
      `Running there of actor ${actor}: v1 (1 instance), v2 (1 instance). Did you mean v2?`,
    )
    expect(error.details).toMatchObject({
      account: rl.l.appAccount,
      accountName: 'APP',
      lattice: 'default',
      unready: [{ version: 'V2', running: { v1: 1, v2: 1 }, didYouMean: ['v2'] }],
    })
  })
  it('a wrong lattice: nothing of the entity runs there, so check --account and --lattice', async () => {
    const actor = await rl.actor()
    const r = await lattice(
      ['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '10', '--lattice', 'staging'],
      env(),
    )
    expect(r.code, r.stderr).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toContain(`No version of actor ${actor} runs there.`)
    expect(r.stderr).toContain(`Nothing subscribes to actor ${actor} versions v1, v2 in lattice staging`)
    expect(r.stderr).toMatch(
      /Nothing of actor \S+ runs in lattice staging of account \S+ \("APP"\): check --account \(LATTICE_ACCOUNT\) and --lattice/,
    )
  })
})
