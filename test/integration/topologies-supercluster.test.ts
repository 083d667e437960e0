/**
 * A supercluster (docs/topologies.md): a real shift with hosts in either cluster, real calls
 * counted where they run, a server away during a change, and what lattice prints and exits
 * with. Every row measured here is written to the table (helpers/topologies.ts).
 */
import { describe, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { callAndCount, countingActor } from '../helpers/executions.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { errorOf, near, record } from '../helpers/topologies.js'

// Four servers with JetStream: a minute to start on a loaded 2-core machine.
const t = useTestLattice({ clusters: { east: 2, west: 2 }, state: true }, 240_000)

describe('a supercluster (east 2 + west 2, gateways)', () => {
  it('Live on all four, the split holds for callers in the other cluster; with history, a server away during a change is named (PARTLY_LIVE)', async () => {
    const [east, west] = await Promise.all([
      t.connect(t.l.appCredsFile, t.l.nodes[0].clientUrl),
      t.connect(t.l.appCredsFile, t.l.nodes[2].clientUrl),
    ])
    const caller = west
    const actor = newActorId()
    const hosts = await countingActor(actor, [
      { version: 'v1', nc: east },
      { version: 'v2', nc: west },
    ])
    t.track('host', () => hosts.close())
    await new Promise((r) => setTimeout(r, 500)) // interest crosses the gateways
    // JetStream (the state) runs in east only: w2, which serves neither the state, a host nor the caller, goes away below.
    const env = t.env({ NATS_URL: t.l.nodes[0].clientUrl })
    const r = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], env)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Live: 4 of 4 servers acknowledged/)
    const fromWest = await callAndCount(caller, `wasmbus.rpc.default.${actor}`, hosts)
    expect(fromWest.total).toBe(2000)
    near(fromWest.executions.v2 ?? 0, 600, 120)
    record(
      'supercluster east(2) + west(2), gateways, full resolvers',
      'v1 in east, v2 in west',
      'west',
      'exit 0 Live: 4 of 4',
      fromWest,
    )
    const st = json<{ clusters: { name: string; servers: string[] }[] }>(
      await lattice(['status', '--servers', '--json'], env),
    )
    expect(st.clusters).toEqual([
      { name: 'east', servers: ['e1', 'e2'] },
      { name: 'west', servers: ['w1', 'w2'] },
    ])

    // A server away; the next change must not say "Live: 3 of 3".
    const victim = 3
    const gone = t.l.nodes[victim].name
    await t.l.stopNode(victim)
    // Gateways to the stopped server's cluster reconnect to its other server first (seconds on a loaded machine).
    for (let i = 0; i < 60; i++) {
      const st = await lattice(['status', '--servers', '--json'], env)
      if (st.code === 0 && json<{ servers: unknown[] }>(st).servers.length === 3) break
      await new Promise((r) => setTimeout(r, 500))
    }
    const away = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--json'], env)
    expect(away.code, away.stdout + away.stderr).toBe(13)
    const e = errorOf(away)
    expect(e.details.bypassed, JSON.stringify(e.details)).toEqual([
      expect.objectContaining({ name: gone, kind: 'server', reason: 'missing' }),
    ])
    expect(e.message).toMatch(new RegExp(`server ${gone} \\(seen in earlier changes, last at .*\\)`))
    expect(e.hint).toMatch(/lattice state forget/)
    const stAway = json<{ missing: { name: string }[] }>(await lattice(['status', '--servers', '--json'], env))
    expect(stAway.missing.map((m) => m.name)).toEqual([gone])
    const fromWest2 = await callAndCount(caller, `wasmbus.rpc.default.${actor}`, hosts)
    near(fromWest2.executions.v2 ?? 0, 800, 120)
    record(
      'supercluster, one server down during the shift (history on)',
      'v1 in east, v2 in west',
      'west',
      'exit 13 PARTLY_LIVE naming it',
      fromWest2,
    )

    // A server removed for good is forgotten; then changes succeed again.
    const forget = await lattice(['state', 'forget', gone, '--json'], env)
    expect(forget.code, forget.stdout + forget.stderr).toBe(0)
    expect(json<{ forgotten: string[] }>(forget).forgotten).toEqual([gone])
    const after = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '50'], env)
    expect(after.code, after.stdout + after.stderr).toBe(0)
    expect(after.stdout).toMatch(/Live: 3 of 3 servers acknowledged/)
  }, 180_000) // four servers with JetStream, each command asking all of them: minutes on a loaded 2-core machine
})
