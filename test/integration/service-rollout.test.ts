/**
 * `lattice rollout service`: judged from the services' own $SRV.STATS alone (no host-core), with
 * real services written with nats.js's services framework and nats.go's micro (when Go is
 * installed), under steady real calls to the callers' subjects.
 */
import type { NatsConnection } from 'nats'
import { afterEach, beforeAll, expect, it } from 'vitest'
import type { Snapshot } from '../../src/dashboard/model.js'
import { json, lattice } from '../helpers/cli.js'
import { http, startDashboard } from '../helpers/dashboard.js'
import { goMissing, goService, jsService } from '../helpers/services.js'
import { steadyCalls } from '../helpers/steady-calls.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ appCreds: true, state: true })
const GO = goMissing()

let caller: NatsConnection
let traffic: { stop(): Promise<void> } | undefined

beforeAll(async () => {
  await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add'] })
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add'] })
  // 1.2.0 throws on every third call: the framework answers with an error and counts it.
  let n = 0
  await jsService(t, {
    name: 'calc',
    version: '1.2.0',
    group: 'v1_2_0.calc',
    endpoints: ['add'],
    handler: () => {
      if (++n % 3 === 0) throw new Error('boom')
      return '1.2.0'
    },
  })
  if (!GO) {
    await goService(t, { name: 'gocalc', version: '1.0.0', subject: 'gocalc.add' })
    await goService(t, { name: 'gocalc', version: '1.1.0', subject: 'v1_1_0.gocalc.add', delayMs: 25 })
  }
  caller = await t.connect()
}, 120_000)

afterEach(async () => {
  await traffic?.stop()
  traffic = undefined
})

interface RolloutEvent {
  type?: string
  message?: string
  error?: { code: string }
}

const rollout = (args: string[]) =>
  lattice(['rollout', 'service', ...args, '--steps', '50,100', '--interval', '4s', '--json'], t.env())

/** Who answered 100 calls to `subject` (each version answers with its version). */
async function answers(subject: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < 100; i++) {
    const m = await caller.request(subject, '', { timeout: 5000 })
    counts[m.string()] = (counts[m.string()] ?? 0) + 1
  }
  return counts
}

/** The --json event stream's rolled-back event. */
const rolledBack = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as RolloutEvent)
    .find((e) => e.type === 'rolled-back')

async function weightsOf(subject: string): Promise<Record<string, number> | undefined> {
  const s = json<{ routes: { subject: string; weights: Record<string, number> }[] }>(
    await lattice(['status', '--json'], t.env()),
  )
  return s.routes.find((r) => r.subject === subject)?.weights
}

it('a version whose handler fails is rolled back from its stats alone, and the stable weights come back', async () => {
  traffic = steadyCalls(caller, 'calc.add')
  const r = await rollout(['calc', '--from', '1.0.0', '--to', '1.2.0'])
  expect(r.code, r.stderr + r.stdout).toBe(10)
  expect(rolledBack(r.stdout)?.message).toMatch(
    /^real-traffic analysis failed at step 1 \(sequential judge, .*\): error-rate: canary worse by more than 1 pp .*canary 3\d\.\d+% of \d+ calls vs 0\.00%/,
  )
  // No mapping before the rollout, none after: every call is 1.0.0's again.
  expect(await weightsOf('calc.add')).toBeUndefined()
  expect(await answers('calc.add')).toEqual({ '1.0.0': 100 })
}, 150_000)

it('a healthy version is rolled out to 100% of every endpoint', async () => {
  traffic = steadyCalls(caller, 'calc.add')
  const r = await rollout(['calc', '--from', '1.0.0', '--to', '1.1.0'])
  expect(r.code, r.stderr).toBe(0)
  expect(await weightsOf('calc.add')).toEqual({ '1.1.0': 100 })
  // Each step's observed weight is counted from the versions' own stats.
  const observed = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type?: string; step?: number; observed?: number; observedBy?: string })
    .filter((e) => e.type === 'observed')
  expect(observed.map((e) => [e.step, e.observedBy])).toEqual([
    [1, 'stats'],
    [2, 'stats'],
  ])
  expect(Math.abs((observed[0].observed ?? 0) - 50), JSON.stringify(observed)).toBeLessThan(15)
  expect(observed[1].observed).toBe(100)
  const status = json<{ phase: string; plan: { endpoints: string[] } }>(
    await lattice(['rollout', 'status', 'calc', '--service', '--json'], t.env()),
  )
  expect(status).toMatchObject({ phase: 'completed', plan: { endpoints: ['add'] } })
}, 150_000)

it("the dashboard shows the service's endpoints and its rollout", async () => {
  const dash = await startDashboard(['--read-only'], t.env())
  try {
    let snap: Snapshot | undefined
    for (let i = 0; i < 60 && !(snap?.frame && snap.rollouts); i++) {
      await new Promise((r) => setTimeout(r, 500))
      snap = JSON.parse((await http(dash.port, 'GET', `/api/snapshot?token=${dash.token}`)).body) as Snapshot
    }
    expect(snap?.frame?.entities.find((e) => e.key === 'service calc add')).toMatchObject({
      label: 'service calc (endpoint add)',
      scheme: 'NATS services',
      versions: expect.arrayContaining([expect.objectContaining({ version: '1.1.0', weight: 100 })]),
    })
    expect(snap?.rollouts?.rollouts.find((r) => r.entity.kind === 'service')).toMatchObject({
      entity: { kind: 'service', id: 'calc' },
      phase: 'completed',
    })
  } finally {
    await dash.stop()
  }
}, 90_000)

it.skipIf(GO)(
  `a slower Go version (nats.go micro measures real time) is rolled back on its average latency${GO ? ` (skipped: ${GO})` : ''}`,
  async () => {
    traffic = steadyCalls(caller, 'gocalc.add', 4, 20)
    const r = await rollout(['gocalc', '--from', '1.0.0', '--to', '1.1.0'])
    expect(r.code, r.stderr).toBe(10)
    expect(rolledBack(r.stdout)?.message).toMatch(/latency: canary average 2\d\.\d ms vs \d\.\d+ ms/)
    expect(await weightsOf('gocalc.add')).toBeUndefined()
    expect(await answers('gocalc.add')).toEqual({ '1.0.0': 100 })
  },
  150_000,
)

it('a new version without every endpoint is refused before the first step', async () => {
  await jsService(t, { name: 'calc', version: '1.3.0', group: 'v1_3_0.calc', endpoints: ['mul'] })
  const r = await rollout(['calc', '--from', '1.1.0', '--to', '1.3.0'])
  expect(r.code).toBe(8)
  expect(json<{ error: { code: string; message: string } }>(r).error).toMatchObject({
    code: 'MISSING_ENDPOINTS',
    message: expect.stringContaining('Service calc 1.3.0 has no endpoint add (called on calc.add)'),
  })
  expect(await weightsOf('calc.add')).toEqual({ '1.1.0': 100 })
})
