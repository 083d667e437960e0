/** Pure logic of the safety refusals around rollouts and versions: did-you-mean, the messages, where a rollout may start. */
import { describe, expect, it } from 'vitest'
import type { EntityChange } from '../../src/ops/change-types.js'
import { notReadyError, unreadyVersions } from '../../src/ops/readiness.js'
import { liveNewerError, rolloutResult, runningRolloutError } from '../../src/ops/rollout-conflicts.js'
import { startsBelowLive } from '../../src/rollout/start-checks.js'
import type { RolloutPlan } from '../../src/rollout/plan/rollout-plan.js'
import type { Route } from '../../src/plan/routes.js'
import { parseSpec } from '../../src/spec/parse.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { didYouMean } from '../../src/suggest.js'
import { newActorId } from '../helpers/ids.js'

const id = newActorId()
const entity = { kind: 'actor' as const, id }
const plan = (steps: RolloutPlan['steps']): RolloutPlan => ({ entity, from: 'v1', to: 'v2', steps, intervalMs: 1000 })
const record = (over: Partial<RolloutRecord>): RolloutRecord => ({
  plan: plan([10, 50, 'pause', 100]),
  lattice: 'default',
  phase: 'running',
  step: 1,
  setWeight: 50,
  stable: { v1: 100 },
  gates: [],
  who: { user: 'ann', host: 'ci' },
  owner: { pid: 1 } as RolloutRecord['owner'],
  startedAt: '2026-12-06T06:00:00.000Z',
  updatedAt: '2026-12-06T06:05:00.000Z',
  ...over,
})

describe('didYouMean', () => {
  it('a version that differs only in case, or by a typo, is suggested', () => {
    expect(didYouMean('V2', ['v1', 'v2'])).toEqual(['v2'])
    expect(didYouMean('hello-v2', ['hello', 'helo-v2'])).toEqual(['helo-v2'])
    expect(didYouMean('1.10.O', ['1.10.0'])).toEqual([])
  })
  it('another number is another version, not a typo; nothing close, nothing', () => {
    expect(didYouMean('v3', ['v1', 'v2'])).toEqual([])
    expect(didYouMean('canary', ['v1', 'v2'])).toEqual([])
    expect(didYouMean('v2', ['v2'])).toEqual([])
  })
})

describe('VERSION_NOT_READY', () => {
  const change = (version: string): EntityChange[] => [
    { entity, subject: `wasmbus.rpc.default.${id}`, before: { v1: 100 }, after: { v1: 90, [version]: 10 } },
  ]
  const subs = [
    { server: 'n1', subject: versionedSubject('default', entity, 'v1'), queue: 'q' },
    { server: 'n1', subject: versionedSubject('default', entity, 'v1'), queue: 'q' },
    { server: 'n2', subject: versionedSubject('default', entity, 'v2'), queue: 'q' },
  ]
  const place = { account: 'ACCOUNTPK', accountName: 'app', lattice: 'default' }

  it('a typo: lists the running versions with their instances and says "did you mean"', () => {
    const error = notReadyError(unreadyVersions('default', change('V2'), subs), place)
    expect(error.message).toBe(
      `Nothing subscribes to actor ${id} version V2 in lattice default of account ACCOUNTPK ("app"): traffic sent there would get "no responders". Running there of actor ${id}: v1 (2 instances), v2 (1 instance). Did you mean v2?`,
    )
    expect(error.hint).toMatch(/^Check the version's spelling \(V2 -> v2\)\. Start instances/)
    expect(error.details).toMatchObject({
      account: 'ACCOUNTPK',
      accountName: 'app',
      lattice: 'default',
      unready: [{ version: 'V2', running: { v1: 2, v2: 1 }, didYouMean: ['v2'] }],
    })
  })
  it('nothing of the entity runs: points at --account and --lattice', () => {
    const error = notReadyError(unreadyVersions('other', change('v2'), subs), {
      account: 'ACCOUNTPK',
      lattice: 'other',
    })
    expect(error.message).toContain(
      `in lattice other of account ACCOUNTPK: traffic sent there would get "no responders". No version of actor ${id} runs there.`,
    )
    expect(error.hint).toMatch(
      /Nothing of actor \S+ runs in lattice other of account ACCOUNTPK: check --account \(LATTICE_ACCOUNT\) and --lattice/,
    )
  })
})

describe('rollout guards', () => {
  it('a running rollout is named with its step, weight, starter and the commands to see, promote and abort it', () => {
    const e = runningRolloutError(record({ phase: 'paused', step: 2 }))
    expect(e.code).toBe('ROLLOUT_RUNNING')
    expect(e.message).toBe(
      `A rollout of actor ${id} is paused (v1 -> v2, step 2 of 3: v2 at 50%; started 2026-12-06T06:00:00.000Z by ann@ci): its next step or its abort would overwrite this change. Nothing was changed.`,
    )
    expect(e.hint).toBe(
      `See it with \`lattice rollout status ${id}\`, go on with \`lattice rollout promote ${id}\`, or stop it with \`lattice rollout abort ${id}\` (puts back v1 100%) and then change the weights; --force changes them now anyway, and the rollout overwrites them later.`,
    )
  })
  it('a first step below the live weight is refused with where to start; at or above it passes', () => {
    const e = startsBelowLive(plan([10, 50, 100]), { v1: 70, v2: 30 })
    expect(e?.message).toBe(
      'v2 has 30% now (live: v1 70%, v2 30%): the first step, 10%, would take traffic away from it. Nothing was changed.',
    )
    expect(e?.hint).toBe(
      'Start from it: steps above 30, e.g. --steps 50,100; or pass --force to go down to 10% first (an abort puts back v1 70%, v2 30%).',
    )
    expect(startsBelowLive(plan([30, 100]), { v1: 70, v2: 30 })).toBeUndefined()
    expect(startsBelowLive(plan([10, 100]), null)).toBeUndefined()
    expect(startsBelowLive(plan([10, 20]), { v1: 70, v2: 30 })?.hint).toMatch(
      /^Every step is below it: e\.g\. --steps 100;/,
    )
  })
  it('what a completed rollout left: its stable weights with the new version at its last step', () => {
    expect(rolloutResult(record({ phase: 'completed', setWeight: 100 }))).toEqual({ v2: 100 })
    expect(rolloutResult(record({ phase: 'completed', setWeight: 50, stable: null }))).toEqual({ v1: 50, v2: 50 })
  })
  it('a spec older than a completed rollout: which rollout, when, and the live: to set', () => {
    const spec = parseSpec(
      `environments:\n  blue:\n    actors: { ${id}: v1 }\n  green:\n    actors: { ${id}: v2 }\nlive: blue\n`,
      'lattice.yaml',
    )
    const routes = new Map<string, Route>([
      [`actor ${id}`, { entity, subject: `wasmbus.rpc.default.${id}`, weights: { v2: 100 } } as Route],
    ])
    const e = liveNewerError(spec, routes, record({ phase: 'completed', setWeight: 100, revision: 7 }), {
      entity,
      subject: '',
      before: { v2: 100 },
      after: { v1: 100 },
    })
    expect(e.code).toBe('LIVE_NEWER')
    expect(e.message).toBe(
      `The live routing of actor ${id} is newer than lattice.yaml: the rollout v1 -> v2 completed at 2026-12-06T06:05:00.000Z, revision 7 (by ann@ci) and left v2 100%; lattice.yaml would put back v1 100%. Nothing was changed.`,
    )
    expect(e.hint).toBe(
      'Set live: green in lattice.yaml (the rollout made green live), so the file says what is live; or pass --force to apply lattice.yaml as it is (undoing the rollout).',
    )
  })
})
