/**
 * watch, verify and fault against real hosts (host-core) and real traffic.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import type { Host } from '../../src/host-core/index.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let hosts: Host[] = []
const actor = newActorId()
const subject = `wasmbus.rpc.default.${actor}`

beforeAll(async () => {
  hosts = await t.hosts(2)
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: () => 'v2' })
  const r = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
  expect(r.code, r.stderr).toBe(0)
})

/** Call `to` 20 calls at a time until stopped; stop() returns who answered (or how the call failed). */
const traffic = (to = subject) => t.traffic(to, { batch: 20, timeoutMs: 1000, payload: new TextEncoder().encode('x') })

describe('watch and verify', () => {
  it('verify finds the observed split consistent with the live weights; watch reports it within tolerance', async () => {
    const calls = await traffic()
    try {
      const r = await lattice(['verify', 'actor', actor, '--window', '2s', '--json'], t.env())
      expect(r.code, r.stderr).toBe(0)
      const v = json<{ match: boolean; observed: Record<string, number>; pValue: number }>(r)
      expect(v.match).toBe(true)
      expect(Math.abs(v.observed.v2 - 30)).toBeLessThanOrEqual(5)

      const text = await lattice(['verify', 'actor', actor, '--window', '1s'], t.env())
      expect(text.stdout).toMatch(/VERSION +WEIGHT +OBSERVED +CALLS/)
      expect(text.stdout).toMatch(/consistent with the live weights/)

      const w = await lattice(['watch', actor, '--json', '--count', '2', '--interval', '1s'], t.env())
      expect(w.code, w.stderr).toBe(0)
      const frames = w.stdout
        .trim()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as {
              entities: { versions: { version: string; weight: number; observed?: number; rate: number }[] }[]
            },
        )
      expect(frames).toHaveLength(2)
      const v2 = frames[1].entities[0].versions.find((x) => x.version === 'v2')
      expect(v2?.weight).toBe(30)
      expect(Math.abs((v2?.observed ?? 0) - 30)).toBeLessThanOrEqual(8)
      expect(v2?.rate).toBeGreaterThan(0)

      const lines = await lattice(['watch', '--count', '1', '--interval', '500ms'], t.env())
      expect(lines.stdout).toMatch(/v1 +[█░|]{20} +set 70% +seen \d+\.\d%/)
    } finally {
      await calls.stop()
    }
  })

  it('verify fails (exit 11) when the split differs: callers bypassing the mapping; and when there is no traffic', async () => {
    const t1 = await traffic()
    const t2 = await traffic(versionedSubject('default', { kind: 'actor', id: actor }, 'v2'))
    try {
      const r = await lattice(['verify', 'actor', actor, '--window', '2s'], t.env())
      expect(r.code).toBe(ExitCode.MISMATCH)
      expect(r.stdout).toMatch(/DIFFERS from the live weights/)
      expect(r.stderr).toMatch(/SPLIT_MISMATCH/)
    } finally {
      await t1.stop()
      await t2.stop()
    }
    const quiet = await lattice(['verify', 'actor', actor, '--window', '500ms'], t.env())
    expect(quiet.code).toBe(ExitCode.MISMATCH)
    expect(quiet.stderr).toMatch(/NO_TRAFFIC/)
  })

  it('verify of one version at 100% checks that every call reached it and none the other running version', async () => {
    const one = newActorId()
    await hosts[0].startActor({ id: one, version: 'v1', count: 1, handler: () => 'v1' })
    await hosts[1].startActor({ id: one, version: 'v2', count: 1, handler: () => 'v2' })
    const shift = await lattice(['shift', 'actor', one, '--to', 'v1', '--weight', '100'], t.env())
    expect(shift.code, shift.stderr).toBe(0)
    const calls = await traffic(`wasmbus.rpc.default.${one}`)
    try {
      const r = await lattice(['verify', 'actor', one, '--window', '1s'], t.env())
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(
        /All \d+ calls reached v1, as routed; none reached v2, which also runs \(one version: no split to compare\)\./,
      )
      expect(r.stdout).not.toMatch(/chi-square/)
      const j = json<{ method: string; match: boolean; counts: Record<string, number> }>(
        await lattice(['verify', 'actor', one, '--window', '1s', '--json'], t.env()),
      )
      expect(j).toMatchObject({ method: 'one-version', match: true, counts: { v2: 0 } })
      expect(j.counts.v1).toBeGreaterThan(0)
    } finally {
      await calls.stop()
    }
    const t1 = await traffic(`wasmbus.rpc.default.${one}`)
    const t2 = await traffic(versionedSubject('default', { kind: 'actor', id: one }, 'v2'))
    try {
      const r = await lattice(['verify', 'actor', one, '--window', '1s'], t.env())
      expect(r.code).toBe(ExitCode.MISMATCH)
      expect(r.stdout).toMatch(/\d+ of \d+ calls reached v2, which the live weights give 0%: DIFFERS/)
      expect(r.stderr).toMatch(/SPLIT_MISMATCH.*calls reached a version with no weight/)
    } finally {
      await t1.stop()
      await t2.stop()
    }
  })
})

describe('fault', () => {
  it('a 20% fault makes about 20% of calls fail with no responders; clearing it restores them and the weights', async () => {
    const r = await lattice(['fault', 'actor', actor, '--drop', '20'], t.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`actor ${actor}: v1 70% -> 56%, v2 30% -> 24%, dropped 0% -> 20%`)
    const calls = await traffic()
    await new Promise((res) => setTimeout(res, 1500))
    const seen = await calls.stop()
    const total = Object.values(seen).reduce((a, b) => a + b, 0)
    expect(Math.abs(((seen['no responders'] ?? 0) / total) * 100 - 20), JSON.stringify(seen)).toBeLessThanOrEqual(5)
    expect(seen['other error']).toBeUndefined()

    const cleared = await lattice(['fault', 'clear', actor], t.env())
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stdout).toContain(`actor ${actor}: v1 56% -> 70%, v2 24% -> 30%, dropped 20% -> 0%`)
    const after = await traffic()
    await new Promise((res) => setTimeout(res, 500))
    const ok = await after.stop()
    expect(ok['no responders']).toBeUndefined()
  })

  it('--for clears the fault when the time is up', async () => {
    const r = await lattice(['fault', 'actor', actor, '--drop', '10', '--for', '1s'], t.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Fault live for 1s/)
    expect(r.stdout).toMatch(/Fault cleared:\nactor \S+: v1 63% -> 70%, v2 27% -> 30%, dropped 10% -> 0%/)
    const again = await lattice(['fault', 'clear', actor], t.env())
    expect(again.code).toBe(ExitCode.LIVE_STATE)
    expect(again.stderr).toMatch(/NO_FAULT/)
  })
})
