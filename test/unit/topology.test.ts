/** Reading LEAFZ/VARZ as each server version writes them, and what a change makes of it (no server: the replies as measured). */
import { describe, expect, it } from 'vitest'
import { bypasses } from '../../src/ops/bypasses.js'
import { doubleRuns } from '../../src/ops/double-runs.js'
import { subscribersBehindLeaves, viewTopology } from '../../src/ops/topology-view.js'
import type { Topology } from '../../src/resolver/topology.js'
import { unversionedSubject, versionedSubject } from '../../src/subjects/index.js'
import { newActorId } from '../helpers/ids.js'

const APP = `A${'B'.repeat(55)}`
const SYS = `A${'C'.repeat(55)}`
const actor = { kind: 'actor' as const, id: newActorId() }
const src = unversionedSubject('default', actor)
const v = (x: string) => versionedSubject('default', actor, x)
const hub = { server: 'n1', operatorMode: true, remotes: [], systemAccount: SYS }
const ping = (...names: string[]) => names.map((name) => ({ name, id: name, version: '2.10.27' }))

describe('viewTopology', () => {
  it('2.10+: a leaf is named by its hub; one that answers the system account and trusts the operator can hold the JWT', () => {
    const t: Topology = {
      servers: [
        hub,
        {
          server: 'leaf1',
          operatorMode: true,
          remotes: [
            { account: APP, urls: ['127.0.0.1:7422'] },
            { account: SYS, urls: ['127.0.0.1:7422'] },
          ],
          systemAccount: SYS,
        },
      ],
      links: [
        {
          hub: 'n1',
          leaf: 'leaf1',
          address: '127.0.0.1:5000',
          account: APP,
          subjects: [src, v('v2'), '$SYS.REQ.ACCOUNT.PING.CONNZ'],
        },
        { hub: 'n1', leaf: 'leaf1', address: '127.0.0.1:5001', account: SYS, subjects: [] },
      ],
    }
    const view = viewTopology(t, APP, ping('n1', 'leaf1'))
    expect(view.leaves).toEqual([
      { name: 'leaf1', hubs: ['n1'], answersSystem: true, canHoldJwt: true, subjects: [src, v('v2')].sort() },
    ])
    expect(view.spokes).toEqual(['leaf1'])
    // It answers SUBSZ itself: its hosts are not counted twice.
    expect(subscribersBehindLeaves(view)).toEqual([])
  })

  it('2.9: no names in LEAFZ; an answering leaf binding the account (by key, or by a local name outside operator mode) names the link, others go by address', () => {
    const plainSystem = {
      server: 'leaf1',
      operatorMode: false,
      remotes: [
        { account: 'APP', urls: ['127.0.0.1:7422'] },
        { account: 'SYS', urls: ['127.0.0.1:7422'] },
      ],
      systemAccount: 'SYS',
    }
    const named = viewTopology(
      { servers: [hub, plainSystem], links: [{ hub: 'n1', address: '127.0.0.1:5000', account: APP, subjects: [src] }] },
      APP,
      ping('n1', 'leaf1'),
    )
    expect(named.leaves[0]).toMatchObject({ name: 'leaf1', answersSystem: true, canHoldJwt: false })
    const unnamed = viewTopology(
      { servers: [hub], links: [{ hub: 'n1', address: '127.0.0.1:5000', account: APP, subjects: [src, v('v1')] }] },
      APP,
      ping('n1'),
    )
    expect(unnamed.leaves[0]).toMatchObject({ name: 'leaf at 127.0.0.1:5000', answersSystem: false, canHoldJwt: false })
    expect(subscribersBehindLeaves(unnamed)).toEqual([
      { server: 'leaf at 127.0.0.1:5000', subject: src },
      { server: 'leaf at 127.0.0.1:5000', subject: v('v1') },
    ])
  })

  it('gateways: every configured cluster is listed, with the servers that answered in it', () => {
    const gw = (server: string, name: string) => ({
      server,
      operatorMode: true,
      remotes: [],
      gateway: { name, configured: ['east', 'west'] },
    })
    const view = viewTopology({ servers: [gw('e1', 'east'), gw('e2', 'east')], links: [] }, APP, [
      { name: 'e1', id: 'e1', cluster: 'east', version: '2.10.27' },
    ])
    expect(view.clusters).toEqual([
      { name: 'east', servers: ['e1', 'e2'] },
      { name: 'west', servers: [] },
    ])
  })
})

describe('bypasses and double runs', () => {
  const blindLeaf = (subjects: string[]) =>
    viewTopology(
      { servers: [hub], links: [{ hub: 'n1', leaf: 'leaf1', address: 'a:1', account: APP, subjects }] },
      APP,
      ping('n1'),
    )
  const change = { entity: actor, subject: src, before: null, after: { v1: 70, v2: 30 } }
  const pushed = {
    lattice: 'default',
    changes: [change],
    mappings: {
      [src]: [
        { subject: v('v1'), weight: 70 },
        { subject: v('v2'), weight: 30 },
      ],
    },
  }
  const acked = [{ server: 'n1', ok: true, code: 200, installed: 'yes' }]

  it('a leaf that does not hold the JWT bypasses the change only where it serves the entity', () => {
    expect(bypasses(blindLeaf([src, v('v2')]), acked, [], ping('n1'), pushed)).toEqual({
      bypassed: [{ name: 'leaf1', kind: 'leaf', reason: 'leaf-outside-system', hubs: ['n1'] }],
      unheld: [],
    })
    expect(bypasses(blindLeaf(['other.subject']), acked, [], ping('n1'), pushed)).toEqual({
      bypassed: [],
      unheld: ['leaf1'],
    })
  })

  it('known servers that answered nothing are missing; one that answered only the push is not', () => {
    const known = [
      { name: 'n1', kind: 'server' as const, lastSeen: '2026-12-06T00:00:00Z' },
      { name: 'n2', kind: 'server' as const, lastSeen: '2026-12-06T00:00:00Z' },
      { name: 'n3', kind: 'server' as const, lastSeen: '2026-12-06T00:00:00Z' },
    ]
    const replies = [...acked, { server: 'n3', ok: true, code: 200 }]
    expect(bypasses(blindLeaf([]), replies, known, ping('n1'), pushed).bypassed).toEqual([
      { name: 'n2', kind: 'server', reason: 'missing', lastSeen: '2026-12-06T00:00:00Z' },
    ])
  })

  it('double runs: instances behind a leaf without the JWT while a weighted version runs elsewhere', () => {
    const subs = [{ server: 'n1', subject: v('v1'), queue: 'q' }]
    expect(doubleRuns('default', [change], pushed.mappings, blindLeaf([src, v('v2')]), subs)).toEqual([
      { entity: `actor ${actor.id}`, leaf: 'leaf1', inside: ['v2'], outside: [{ version: 'v1', where: ['n1'] }] },
    ])
    // Every version behind the leaf: nothing runs twice (the hub does not send a leaf's call back to it).
    expect(doubleRuns('default', [change], pushed.mappings, blindLeaf([src, v('v1'), v('v2')]), [])).toEqual([])
    // A mapping removed: nothing to copy.
    expect(doubleRuns('default', [{ ...change, after: null }], {}, blindLeaf([src, v('v2')]), subs)).toEqual([])
  })
})
