/**
 * In a JWT mapping a weight of 0, like a missing weight, means 100% (Go jwt GetWeight(); the
 * servers route that way). lattice reads it so, and never writes 0.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { withRouteChanges } from '../../src/account/account.js'
import { destinationWeight, destinationsFor, routesFromMappings } from '../../src/plan/routes.js'
import { mappingProblems, rulesFor } from '../../src/plan/server-rules.js'
import { DROP_TOKEN, encodePublicKey, versionedSubject } from '../../src/subjects/index.js'

const actor = encodePublicKey('module', randomBytes(32))
const entity = { kind: 'actor' as const, id: actor }
const source = `wasmbus.rpc.default.${actor}`
const v = (version: string) => versionedSubject('default', entity, version)

describe('weight 0 reads as 100%', () => {
  it('destinationWeight: 0 and missing are 100, others as written', () => {
    expect(destinationWeight({ subject: 'a' })).toBe(100)
    expect(destinationWeight({ subject: 'a', weight: 0 })).toBe(100)
    expect(destinationWeight({ subject: 'a', weight: 1 })).toBe(1)
    expect(destinationWeight({ subject: 'a', weight: 100 })).toBe(100)
  })

  it('routesFromMappings: an explicit 0 and a missing weight are each 100%', () => {
    const [zero] = routesFromMappings({ [source]: [{ subject: v('v1'), weight: 0 }] }, 'default')
    expect(zero.weights).toEqual({ v1: 100 })
    const [missing] = routesFromMappings({ [source]: [{ subject: v('v1') }] }, 'default')
    expect(missing.weights).toEqual({ v1: 100 })
    const [scoped] = routesFromMappings({ [source]: [{ subject: v('v2'), weight: 0, cluster: 'east' }] }, 'default')
    expect(scoped.clusters).toEqual({ east: { v2: 100 } })
    const [dropped] = routesFromMappings({ [source]: [{ subject: `${source}.${DROP_TOKEN}`, weight: 0 }] }, 'default')
    expect(dropped.drop).toBe(100)
    const [foreign] = routesFromMappings({ [source]: [{ subject: 'elsewhere', weight: 0 }] }, 'default')
    expect(foreign.foreign).toEqual([{ subject: 'elsewhere', weight: 0 }])
    expect(destinationWeight(foreign.foreign?.[0] ?? { subject: '' })).toBe(100)
  })

  it('server rules count 0 and missing weights as 100 toward the total', () => {
    const rules = rulesFor('2.9.10')
    expect(mappingProblems({ [source]: [{ subject: v('v1'), weight: 0 }] }, rules)).toEqual([])
    expect(
      mappingProblems(
        {
          [source]: [
            { subject: v('v1'), weight: 0 },
            { subject: v('v2'), weight: 10 },
          ],
        },
        rules,
      ),
    ).toEqual([expect.stringContaining('add up to 110%')])
    expect(mappingProblems({ [source]: [{ subject: v('v1') }, { subject: v('v2'), weight: 0 }] }, rules)).toEqual([
      expect.stringContaining('add up to 200%'),
    ])
    expect(
      mappingProblems(
        {
          [source]: [
            { subject: v('v1'), weight: 0, cluster: 'w' },
            { subject: v('v2'), weight: 0, cluster: 'e' },
          ],
        },
        rulesFor('2.10.18'),
      ),
    ).toEqual([])
  })
})

describe('lattice never writes a weight of 0', () => {
  it('drops the destination instead: versions at 0, drop 0, clusters at 0', () => {
    const out = destinationsFor('default', entity, { v1: 100, v2: 0 }, 0, { east: { v3: 0, v4: 100 }, west: { v5: 0 } })
    expect(out).toEqual([
      { subject: v('v1'), weight: 100 },
      { subject: v('v4'), weight: 100, cluster: 'east' },
    ])
    // A drop that leaves nothing on the source writes no source destination at 0.
    expect(destinationsFor('default', entity, { v1: 60 }, 40)).toEqual([
      { subject: v('v1'), weight: 60 },
      { subject: `${source}.${DROP_TOKEN}`, weight: 40 },
    ])
  })

  it('a route another tool wrote with weight 0 is read as 100% and rewritten without a 0', () => {
    const claims = {
      iss: '',
      sub: '',
      nats: { type: 'account', mappings: { [source]: [{ subject: v('v1'), weight: 0 }] } },
    }
    const [route] = routesFromMappings(claims.nats.mappings, 'default')
    expect(route.weights).toEqual({ v1: 100 })
    const next = withRouteChanges(claims, 'default', [{ entity, weights: { v1: 70, v2: 30, v3: 0 } }])
    expect(next.nats.mappings?.[source]).toEqual([
      { subject: v('v1'), weight: 70 },
      { subject: v('v2'), weight: 30 },
    ])
    const all = Object.values(next.nats.mappings ?? {}).flat()
    expect(all.every((d) => d.weight !== 0)).toBe(true)
  })
})
