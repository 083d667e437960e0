/**
 * `lattice status` lists running entities without a route as "unrouted", with their versions and
 * instances: real host-core hosts on a real nats-server.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Host } from '../../src/host-core/index.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

interface StatusJson {
  routes: { id: string; instances: Record<string, number> }[]
  unrouted: { kind: string; id: string; link?: string; subject: string; instances: Record<string, number> }[]
}

const t = useTestLattice()
let hosts: Host[] = []
const actor = newActorId()
const provider = newProviderId()

beforeAll(async () => {
  hosts = await t.hosts(2)
  await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: actor, version: 'v2', count: 1, handler: () => 'v2' })
  await hosts[1].startProvider({ id: provider, link: 'db', version: '0.3.0', handler: () => 'p' })
})

describe('status lists running entities with no route', () => {
  it('with no route at all: every running entity, its versions and instances, as unrouted', async () => {
    const r = await lattice(['status', '--json'], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    const s = json<StatusJson>(r)
    expect(s.routes).toEqual([])
    expect(s.unrouted).toContainEqual({
      kind: 'actor',
      scheme: 'versioned RPC',
      id: actor,
      subject: `wasmbus.rpc.default.${actor}`,
      instances: { v1: 2, v2: 1 },
    })
    expect(s.unrouted).toContainEqual({
      kind: 'provider',
      scheme: 'versioned RPC',
      id: provider,
      link: 'db',
      subject: `wasmbus.rpc.default.${provider}.db`,
      instances: { '0.3.0': 1 },
    })

    const text = await lattice(['status'], t.l.env())
    expect(text.stdout).toMatch(/ENTITY\s+KIND\s+LINK\s+VERSION\s+WEIGHT\s+INSTANCES\s+SUBJECT/)
    const v1 = versionedSubject('default', { kind: 'actor', id: actor }, 'v1').replace(/\./g, '\\.')
    expect(text.stdout).toMatch(new RegExp(`${actor}\\s+actor\\s+-\\s+v1\\s+unrouted\\s+2\\s+${v1}`))
    expect(text.stdout).toMatch(new RegExp(`${provider}\\s+provider\\s+db\\s+0\\.3\\.0\\s+unrouted\\s+1\\s+`))
    expect(text.stdout).toContain('No routes in lattice default. unrouted: no mapping')
  })

  it('once one entity is routed, it moves to the routes (a running version with no weight at 0%) and the others stay unrouted', async () => {
    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '20'], t.l.env())
    expect(shift.code, shift.stderr).toBe(0)
    const s = json<StatusJson>(await lattice(['status', '--json'], t.l.env()))
    expect(s.routes.find((r) => r.id === actor)?.instances).toEqual({ v1: 2, v2: 1 })
    expect(s.unrouted.map((u) => u.id)).toEqual([provider])
    const text = await lattice(['status'], t.l.env())
    expect(text.stdout).toMatch(new RegExp(`${actor}\\s+actor\\s+-\\s+v2\\s+20%\\s+1\\s+`))
    expect(text.stdout).toMatch(new RegExp(`${provider}\\s+provider\\s+db\\s+0\\.3\\.0\\s+unrouted\\s+1\\s+`))
    expect(text.stdout).not.toContain('No routes')

    // A version that runs with no weight is shown at 0%, with its instances.
    expect((await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '100'], t.l.env())).code).toBe(0)
    const all = json<StatusJson & { routes: { weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.l.env()),
    )
    expect(all.routes.find((r) => r.id === actor)).toMatchObject({ weights: { v2: 100 }, instances: { v1: 2, v2: 1 } })
    expect((await lattice(['status'], t.l.env())).stdout).toMatch(
      new RegExp(`${actor}\\s+actor\\s+-\\s+v1\\s+0%\\s+2\\s+`),
    )
  })

  it('an empty lattice says so', async () => {
    const r = await lattice(['status', '--lattice', 'empty'], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(
      'No routes in lattice empty, and no running instances (host-core or wasmCloud components) found.',
    )
  })
})
