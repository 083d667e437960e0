/**
 * lattice steering an unmodified wasmCloud 1.x lattice (issue #17), through the real CLI:
 * emulated wasmCloud hosts serve component IDs and an emulated linked component calls them
 * (test/helpers/wasmcloud.ts: wRPC over NATS as wasmCloud v1.9.2 with wrpc-transport-nats 0.29.0
 * does it; the file names its sources). The split, a blue/green swap, a rollout whose failing
 * canary a --gate-cmd smoke test rolls back, and a fault, each measured on real calls.
 * Component mappings have `>` destinations, which need nats-server 2.9.22: older servers get the
 * refusal test only.
 */
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { liveJwt } from '../helpers/live.js'
import { serverVersion } from '../helpers/server-version.js'
import { skipIf, skips } from '../helpers/skips.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { EmulatedCaller, EmulatedHost, type Tally } from '../helpers/wasmcloud.js'

const SMOKE = fileURLToPath(new URL('../fixtures/wasmcloud-smoke.ts', import.meta.url))
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))

const t = useTestLattice({ state: true, appCreds: true })
let caller: EmulatedCaller

beforeAll(async () => {
  // Two hosts, like a wadm spreadscaler: every ID runs on both, in its queue group.
  for (const nc of [await t.connect(), await t.connect()]) {
    const h = new EmulatedHost(nc)
    t.track('host', () => h.close())
    for (const id of ['split', 'split-v2', 'web', 'web-v2', 'api', 'api-v2', 'roll', 'flaky']) await h.serve(id)
    // The canary fails 30% of its calls (the transport's failure form: results end with no value).
    await h.serve('roll-v2', { failRate: 0.3 })
  }
  caller = new EmulatedCaller(await t.connect(), { sourceId: 'frontend' })
  t.track('traffic', async () => caller.close())
})

const pct = (tally: Tally, id: string) => (100 * (tally.answered[id] ?? 0)) / tally.total

/** The smoke test a rollout runs as its gate, in a shell like lattice runs it. */
function smokeCmd(calls = 50): string {
  return `SMOKE_NATS_URL='${t.l.url}' SMOKE_CREDS='${t.l.appCredsFile}' SMOKE_CALLS=${calls} '${process.execPath}' --import '${TSX}' '${SMOKE}'`
}

describe(`nats-server ${serverVersion()} (older than 2.9.22)`, skipIf(skips.serverAtLeast('2.9.22')), () => {
  it('shift component is refused before pushing, naming the version it needs', async () => {
    const before = await liveJwt(t.l)
    const r = await lattice(
      ['shift', 'component', 'split', '--from', 'split', '--to', 'split-v2', '--weight', '30'],
      t.env(),
    )
    expect(r.code, r.stdout + r.stderr).not.toBe(0)
    expect(r.stderr).toMatch(/2\.9\.22/)
    expect(await liveJwt(t.l)).toBe(before)
    expect((await caller.invokeMany('split', 100)).answered).toEqual({ split: 100 })
  })
})

describe('the smoke-test gate itself', () => {
  it('passes on a healthy component and fails on one that fails calls', async () => {
    const run = (to: string) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          'sh',
          ['-c', smokeCmd()],
          { env: { ...process.env, LATTICE_ROLLOUT_TO: to, LATTICE_ROLLOUT_LATTICE: 'default' } },
          (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
        ),
      )
    const ok = await run('roll')
    expect(ok, ok.out).toMatchObject({ code: 0 })
    expect(ok.out).toContain('roll: 50 of 50 calls answered')
    const bad = await run('roll-v2')
    expect(bad.code, bad.out).toBe(1)
    expect(bad.out).toMatch(/roll-v2: \d+ of 50 calls answered, [1-9]\d* failed/)
  }, 60_000)
})

describe(`components on nats-server ${serverVersion()}`, skipIf(skips.serverOlderThan('2.9.22')), () => {
  it('shift component: 30% of real calls go to the new component ID', async () => {
    const r = await lattice(
      ['shift', 'component', 'split', '--from', 'split', '--to', 'split-v2', '--weight', '30'],
      t.env(),
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const tally = await caller.invokeMany('split', 2000)
    expect(tally, JSON.stringify(tally)).toMatchObject({ total: 2000, errors: 0, noResponders: 0, timeouts: 0 })
    expect(Math.abs(pct(tally, 'split-v2') - 30), JSON.stringify(tally.answered)).toBeLessThanOrEqual(4)
    expect(Math.abs(pct(tally, 'split') - 70), JSON.stringify(tally.answered)).toBeLessThanOrEqual(4)
    // Calls addressed to the new ID itself are not steered.
    expect((await caller.invokeMany('split-v2', 200)).answered).toEqual({ 'split-v2': 200 })
  })

  it('verify component: the observed split of real calls matches the live weights', async () => {
    let traffic = true
    const load = (async () => {
      while (traffic) await caller.invokeMany('split', 200)
    })()
    try {
      const r = await lattice(['verify', 'component', 'split', '--window', '3s'], t.env())
      expect(r.code, r.stdout + r.stderr).toBe(0)
    } finally {
      traffic = false
      await load
    }
  })

  it('swap: a spec with blue/green component IDs moves every component in one push', async () => {
    const file = join(t.l.dir, 'lattice.yaml')
    writeFileSync(
      file,
      `lattice: default
account: ${t.l.appAccount}
environments:
  blue:
    components: { web: web, api: api }
  green:
    components: { web: web-v2, api: api-v2 }
live: blue
`,
    )
    const applied = await lattice(['apply', '-f', file], t.env())
    expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    expect((await caller.invokeMany('web', 300)).answered).toEqual({ web: 300 })
    expect((await caller.invokeMany('api', 300)).answered).toEqual({ api: 300 })
    const swapped = await lattice(['swap', 'blue', 'green', '-f', file], t.env())
    expect(swapped.code, swapped.stdout + swapped.stderr).toBe(0)
    expect((await caller.invokeMany('web', 300)).answered).toEqual({ 'web-v2': 300 })
    expect((await caller.invokeMany('api', 300)).answered).toEqual({ 'api-v2': 300 })
  })

  it('rollout component: a failing canary is rolled back by the smoke-test gate', async () => {
    const r = await lattice(
      [
        'rollout',
        'component',
        'roll',
        '--from',
        'roll',
        '--to',
        'roll-v2',
        '--steps',
        '20,50,100',
        '--interval',
        '1s',
        '--gate-cmd',
        smokeCmd(),
      ],
      t.env(),
    )
    expect(r.code, r.stdout + r.stderr).toBe(10)
    expect(r.stdout + r.stderr).toMatch(/roll-v2: \d+ of 50 calls answered, [1-9]\d* failed/)
    // Back on the stable ID: every real call answered by roll, none failed.
    const tally = await caller.invokeMany('roll', 500)
    expect(tally, JSON.stringify(tally)).toMatchObject({
      total: 500,
      errors: 0,
      noResponders: 0,
      timeouts: 0,
      answered: { roll: 500 },
    })
  }, 120_000)

  it('fault component: drop 50 gives about half no responders; clear gives none', async () => {
    const f = await lattice(['fault', 'component', 'flaky', '--drop', '50'], t.env())
    expect(f.code, f.stdout + f.stderr).toBe(0)
    const tally = await caller.invokeMany('flaky', 2000)
    expect(tally.errors + tally.timeouts, JSON.stringify(tally)).toBe(0)
    expect(tally.noResponders + (tally.answered.flaky ?? 0)).toBe(2000)
    expect(Math.abs((100 * tally.noResponders) / 2000 - 50), JSON.stringify(tally)).toBeLessThanOrEqual(4)
    const c = await lattice(['fault', 'clear', 'flaky'], t.env())
    expect(c.code, c.stdout + c.stderr).toBe(0)
    const after = await caller.invokeMany('flaky', 500)
    expect(after).toMatchObject({ noResponders: 0, errors: 0, answered: { flaky: 500 } })
  })

  it('status shows the component routes', async () => {
    const s = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.env()),
    )
    expect(s.routes.find((r) => r.id === 'split')?.weights).toEqual({ split: 70, 'split-v2': 30 })
  })
})
