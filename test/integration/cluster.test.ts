/** shift on a 3-node cluster: every server answers, and traffic published anywhere follows the weights. */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { measureSplit } from '../helpers/traffic.js'

const t = useTestLattice({ nodes: 3 })
let sub: NatsConnection
let pub: NatsConnection

beforeAll(async () => {
  sub = await t.connect(t.l.appCredsFile, t.l.nodes[0].clientUrl)
  pub = await t.connect(t.l.appCredsFile, t.l.nodes[2].clientUrl)
})

describe('3-node cluster', () => {
  it('reports one line per server and the split holds on every node', async () => {
    const actor = newActorId()
    const r = await lattice(['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], {
      ...t.l.env(),
      NATS_URL: t.l.nodes[1].clientUrl,
    })
    expect(r.code, r.stderr).toBe(0)
    for (const name of ['n1', 'n2', 'n3'])
      expect(r.stdout).toMatch(new RegExp(`  ${name} \\[test\\]: jwt updated, (installed|stored)`))
    expect(r.stdout).toMatch(/3 of 3 servers acknowledged \(3 required\)/)
    const j = json<{ servers: { server: string; ok: boolean }[] }>(
      await lattice(['shift', 'actor', '--force', actor, '--to', 'v2', '--weight', '40', '--json'], t.l.env()),
    )
    expect(j.servers.map((s) => [s.server, s.ok])).toEqual([
      ['n1', true],
      ['n2', true],
      ['n3', true],
    ])

    const jwts = await Promise.all(t.l.nodes.map((n) => liveJwt(t.l, n.clientUrl)))
    expect(new Set(jwts).size).toBe(1)

    const entity = { kind: 'actor' as const, id: actor }
    // Published on n3, received on n1: the mapping is applied where the message is published.
    const counts = await measureSplit(
      sub,
      `wasmbus.rpc.default.${actor}`,
      { v1: versionedSubject('default', entity, 'v1'), v2: versionedSubject('default', entity, 'v2') },
      10_000,
      pub,
    )
    expect(Math.abs(counts.v2 / 100 - 40)).toBeLessThanOrEqual(2.5)
  })

  it('status counts the instances serving each version on every server', async () => {
    const actor = newActorId()
    const a = await t.host('host-a', { nc: sub, control: false })
    const b = await t.host('host-b', { nc: pub, control: false })
    await a.startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
    await b.startActor({ id: actor, version: 'v2', count: 3, handler: () => 'v2' })
    await lattice(['shift', 'actor', '--force', actor, '--from', 'v1', '--to', 'v2', '--weight', '50'], t.l.env())
    const st = json<{ routes: { id: string; instances: Record<string, number> }[] }>(
      await lattice(['status', '--json'], { ...t.l.env(), NATS_URL: t.l.nodes[1].clientUrl }),
    )
    expect(st.routes.find((r) => r.id === actor)?.instances).toEqual({ v1: 2, v2: 3 })
  })
})
