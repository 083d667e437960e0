/**
 * Leaf nodes (docs/topologies.md): for each way operators join a leaf to a hub, a real shift
 * with hosts placed on either side, real calls counted where they run, and what lattice prints
 * and exits with. Every row measured here is written to the table (helpers/topologies.ts).
 */
import type { NatsConnection } from 'nats'
import { afterEach, describe, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { callAndCount, countingActor } from '../helpers/executions.js'
import { newActorId } from '../helpers/ids.js'
import { type LeafMode, startLeaf } from '../helpers/leaf.js'
import { liveClaims } from '../helpers/live.js'
import type { TestLattice } from '../helpers/nats-server.js'
import { serverAtLeast } from '../helpers/server-version.js'
import { type LatticeFixture, startTestLattice } from '../helpers/test-lattice.js'
import { errorOf, near, record } from '../helpers/topologies.js'

// Each test's hub, stopped (with all it tracks) after the test.
const hubs: LatticeFixture[] = []
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop()
})

/** A hub (one server accepting leaves) with one leaf, an actor with v1 and v2 placed as asked, and callers on both. */
async function hubAndLeaf(mode: LeafMode, place: { v1: 'hub' | 'leaf'; v2: 'hub' | 'leaf' }) {
  const fixture = await startTestLattice({ leafnodes: true })
  hubs.push(fixture)
  const hub = fixture.l
  const leaf = await startLeaf(hub, 'leaf1', mode)
  fixture.track('server', () => leaf.stop())
  const onHub = await fixture.connect()
  const onLeaf = await leaf.connect()
  fixture.track('conn', () => onLeaf.close())
  const actor = newActorId()
  const conn = (side: 'hub' | 'leaf'): NatsConnection => (side === 'hub' ? onHub : onLeaf)
  const hosts = await countingActor(actor, [
    { version: 'v1', nc: conn(place.v1) },
    { version: 'v2', nc: conn(place.v2) },
  ])
  fixture.track('host', () => hosts.close())
  // Interest crosses the leaf connection a moment after the subscriptions.
  await new Promise((r) => setTimeout(r, 300))
  return { hub, leaf, onHub, onLeaf, actor, hosts, subject: `wasmbus.rpc.default.${actor}` }
}

const shift = (hub: TestLattice, actor: string, ...extra: string[]) =>
  lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30', '--json', ...extra], hub.env())
// 2.9 names no leaf in LEAFZ: lattice names it by its address.
const LEAF_NAME = serverAtLeast('2.10.0') ? /^leaf1$/ : /^leaf at 127\.0\.0\.1:\d+$/

describe('a leaf that does not hold the account JWT', () => {
  it('app-only remote, both versions on the leaf: live on the hub, PARTLY_LIVE naming the leaf; leaf callers unmapped, hub callers split', async () => {
    const t = await hubAndLeaf('app-only', { v1: 'leaf', v2: 'leaf' })
    // Hosts behind the leaf are seen in the interest it sends the hub: no --force needed.
    const r = await shift(t.hub, t.actor)
    expect(r.code, r.stdout + r.stderr).toBe(13)
    const e = errorOf(r)
    expect(e.code).toBe('PARTLY_LIVE')
    expect(e.details.bypassed).toEqual([expect.objectContaining({ kind: 'leaf', reason: 'leaf-outside-system' })])
    expect(e.details.bypassed?.[0].name).toMatch(LEAF_NAME)
    expect(e.message).toMatch(/does not answer the system account/)
    expect(e.hint).toMatch(/system account and a full or cache resolver/)
    const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
    expect(fromLeaf.total).toBe(2000)
    near(fromLeaf.executions.v2 ?? 0, 1000, 200) // queue group on the unversioned subject: about half each
    record(
      'leaf, operator mode, app remote only (MEMORY resolver)',
      'v1, v2 on leaf',
      'leaf',
      'exit 13 PARTLY_LIVE',
      fromLeaf,
    )
    const fromHub = await callAndCount(t.onHub, t.subject, t.hosts)
    expect(fromHub.total).toBe(2000)
    near(fromHub.executions.v2 ?? 0, 600, 120)
    record(
      'leaf, operator mode, app remote only (MEMORY resolver)',
      'v1, v2 on leaf',
      'hub',
      'exit 13 PARTLY_LIVE',
      fromHub,
    )
  })

  it('app-only remote, v1 on the hub and v2 on the leaf: DOUBLE_EXECUTION before any push; forced, calls made on the leaf run twice', async () => {
    const t = await hubAndLeaf('app-only', { v1: 'hub', v2: 'leaf' })
    const refused = await shift(t.hub, t.actor)
    expect(refused.code, refused.stdout + refused.stderr).toBe(8)
    const e = json<{
      error: {
        code: string
        message: string
        details: { doubleRuns: { leaf: string; inside: string[]; outside: { version: string; where: string[] }[] }[] }
      }
    }>(refused).error
    expect(e.code).toBe('DOUBLE_EXECUTION')
    expect(e.message).toMatch(/Nothing was changed/)
    expect(e.details.doubleRuns[0].inside).toEqual(['v2'])
    expect(e.details.doubleRuns[0].outside).toEqual([{ version: 'v1', where: ['n1'] }])
    expect((await liveClaims(t.hub)).nats.mappings).toBeUndefined()

    const forced = await shift(t.hub, t.actor, '--force')
    expect(forced.code, forced.stdout + forced.stderr).toBe(13)
    const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
    expect(fromLeaf.answered).toBe(2000)
    expect(fromLeaf.total).toBeGreaterThan(2000 * 1.3) // the copy the hub maps runs too
    record(
      'leaf, operator mode, app remote only (MEMORY resolver)',
      'v1 on hub, v2 on leaf',
      'leaf',
      'exit 8 DOUBLE_EXECUTION; with --force exit 13',
      fromLeaf,
    )
  })

  it('no operator mode (wash up style): PARTLY_LIVE, and status --servers lists the leaf as not holding the JWT', async () => {
    const t = await hubAndLeaf('plain', { v1: 'leaf', v2: 'leaf' })
    const r = await shift(t.hub, t.actor)
    expect(r.code, r.stdout + r.stderr).toBe(13)
    expect(errorOf(r).details.bypassed?.[0]).toMatchObject({ kind: 'leaf', reason: 'leaf-outside-system' })
    const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
    expect(fromLeaf.total).toBe(2000)
    record(
      'leaf without operator mode, app remote (`wash up` style)',
      'v1, v2 on leaf',
      'leaf',
      'exit 13 PARTLY_LIVE',
      fromLeaf,
    )
    const st = await lattice(['status', '--servers', '--json'], t.hub.env())
    expect(st.code, st.stderr).toBe(0)
    const leaves = json<{
      leaves: {
        name: string
        hubs: string[]
        answersSystem: boolean
        holdsJwt: boolean
        versions: Record<string, string[]>
      }[]
    }>(st).leaves
    expect(leaves).toHaveLength(1)
    expect(leaves[0]).toMatchObject({ hubs: ['n1'], answersSystem: false, holdsJwt: false })
    expect(leaves[0].name).toMatch(LEAF_NAME)
    const human = await lattice(['status', '--servers'], t.hub.env())
    expect(human.stdout).toMatch(/LEAF NODE\s+HUB\s+SYSTEM\s+HOLDS JWT/)
    expect(human.stdout).toMatch(/no\s+NO/)
  })

  it("no operator mode, its system account bound to the hub's: PARTLY_LIVE (not in operator mode), not TOO_FEW_ACKS", async () => {
    const t = await hubAndLeaf('plain-system', { v1: 'leaf', v2: 'leaf' })
    const r = await shift(t.hub, t.actor)
    expect(r.code, r.stdout + r.stderr).toBe(13)
    const e = errorOf(r)
    expect(e.code).toBe('PARTLY_LIVE')
    expect(e.details.bypassed).toEqual([
      expect.objectContaining({ name: 'leaf1', kind: 'leaf', reason: 'leaf-not-operator' }),
    ])
    expect(e.message).toMatch(/leaf1 \(on n1\) serves the entity and is not in operator mode/)
    const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
    expect(fromLeaf.total).toBe(2000)
    record(
      "leaf without operator mode, system account bound to the hub's",
      'v1, v2 on leaf',
      'leaf',
      'exit 13 PARTLY_LIVE',
      fromLeaf,
    )
  })

  it("serving nothing itself, it is followed: its callers' calls reach the hub, which maps them (exit 0, a warning names it)", async () => {
    const t = await hubAndLeaf('app-only', { v1: 'hub', v2: 'hub' })
    const r = await lattice(['shift', 'actor', t.actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.hub.env())
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toMatch(
      /Warning: Leaf (leaf1|leaf at \S+) does not hold the account JWT: calls made there follow the split only because it serves no instance/,
    )
    expect(r.stdout).toMatch(/Live: 1 of 1 server acknowledged/)
    const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
    expect(fromLeaf.total).toBe(2000)
    near(fromLeaf.executions.v2 ?? 0, 600, 120)
    record(
      'leaf, operator mode, app remote only (MEMORY resolver)',
      'v1, v2 on hub',
      'leaf',
      'exit 0 Live: 1 of 1, warning names the leaf',
      fromLeaf,
    )
  })
})

describe('a leaf that holds the account JWT', () => {
  for (const mode of ['system-full', 'system-cache'] as const) {
    it(`${mode}: Live on hub and leaf, the split holds for callers on the leaf, every call runs once`, async () => {
      const t = await hubAndLeaf(mode, { v1: 'hub', v2: 'leaf' })
      // Its hosts answer SUBSZ through the leaf itself: ready without --force.
      const r = await lattice(['shift', 'actor', t.actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.hub.env())
      expect(r.code, r.stdout + r.stderr).toBe(0)
      expect(r.stdout).toMatch(/leaf1( \[leaf1\])?: jwt updated( cache)?, installed/)
      expect(r.stdout).toMatch(/Live: 2 of 2 servers acknowledged/)
      const fromLeaf = await callAndCount(t.onLeaf, t.subject, t.hosts)
      expect(fromLeaf.total).toBe(2000)
      near(fromLeaf.executions.v2 ?? 0, 600, 120)
      record(
        `leaf, operator mode, app and system remotes, ${mode === 'system-full' ? 'full' : 'cache'} resolver`,
        'v1 on hub, v2 on leaf',
        'leaf',
        'exit 0 Live: 2 of 2',
        fromLeaf,
      )
      const st = json<{ leaves: { name: string; answersSystem: boolean; holdsJwt: boolean }[] }>(
        await lattice(['status', '--servers', '--json'], t.hub.env()),
      )
      expect(st.leaves).toEqual([expect.objectContaining({ name: 'leaf1', answersSystem: true, holdsJwt: true })])
    })
  }
})
