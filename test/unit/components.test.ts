/** The wRPC scheme (wasmCloud 1.x components): subjects, routes both ways, readiness and instances. */
import { describe, expect, it } from 'vitest'
import { LatticeError } from '../../src/errors.js'
import { checkEntity, checkEntityVersion, entityFromId } from '../../src/ops/entity.js'
import { unreadyVersions } from '../../src/ops/readiness.js'
import { instancesOf, runningEntities } from '../../src/ops/running.js'
import { type Mappings, applyRouteChanges, destinationsFor, routesFromMappings } from '../../src/plan/routes.js'
import type { Subscriber } from '../../src/resolver/subscriptions.js'
import {
  type EntityRef,
  dropSubject,
  entityIdProblem,
  entityKey,
  parseComponentCall,
  parseUnversionedSubject,
  parseVersionedSubject,
  servesVersion,
  unversionedSubject,
  versionedSubject,
} from '../../src/subjects/index.js'
import { newActorId, newProviderId } from '../helpers/ids.js'

const hello: EntityRef = { kind: 'component', id: 'hello' }
const call = (v: string) => `default.${v}.wrpc.0.0.1.wasi:http/incoming-handler@0.2.0.handle`

describe('component subjects', () => {
  it('source, versions and drop', () => {
    expect(unversionedSubject('default', hello)).toBe('default.hello.wrpc.>')
    expect(versionedSubject('default', hello, 'hello-v2')).toBe('default.hello-v2.wrpc.>')
    expect(versionedSubject('default', hello, 'hello')).toBe('default.hello.wrpc.>')
    expect(dropSubject('default', hello)).toBe('default.hello._drop.>')
    expect(entityKey(hello)).toBe('component hello')
  })
  it('a component ID is one routable token', () => {
    expect(entityIdProblem('component', 'rust-hello-world-http_component')).toBeUndefined()
    for (const bad of ['a.b', '', '>', '*', '{{x()}}', '$1', 'a b'])
      expect(entityIdProblem('component', bad)).toBeDefined()
  })
  it('parses component sources; actors and providers as before; nothing else', () => {
    expect(parseUnversionedSubject('default', 'default.hello.wrpc.>')).toEqual(hello)
    expect(parseUnversionedSubject('prod', 'prod.hello-v2.wrpc.>')).toEqual({ kind: 'component', id: 'hello-v2' })
    for (const other of [
      'default.hello.wrpc.*',
      'default.hello.wrpc',
      'default.hello.other.>',
      'other.hello.wrpc.>',
      'default.hello.wrpc.0.>',
      'default.hello._drop.>',
    ]) {
      expect(parseUnversionedSubject('default', other)).toBeUndefined()
    }
    const actor = newActorId()
    const provider = newProviderId()
    expect(parseUnversionedSubject('default', `wasmbus.rpc.default.${actor}`)).toEqual({ kind: 'actor', id: actor })
    expect(parseUnversionedSubject('default', `wasmbus.rpc.default.${provider}.db`)).toEqual({
      kind: 'provider',
      id: provider,
      link: 'db',
    })
    expect(parseVersionedSubject('default', 'default.hello.wrpc.>')).toBeUndefined()
  })
  it('a call subject names the component it serves (its tail has any number of tokens)', () => {
    expect(parseComponentCall('default', call('hello-v2'))).toBe('hello-v2')
    expect(parseComponentCall('default', 'default.hello.wrpc.0.0.1.test:demo/echo@0.1.0.call')).toBe('hello')
    expect(parseComponentCall('default', 'default.hello.wrpc.>')).toBeUndefined()
    expect(parseComponentCall('default', 'wasmbus.rpc.default.hello')).toBeUndefined()
    expect(servesVersion('default', hello, 'hello-v2', call('hello-v2'))).toBe(true)
    expect(servesVersion('default', hello, 'hello-v2', call('hello'))).toBe(false)
    expect(servesVersion('default', hello, 'hello', 'default.hello.wrpc.>')).toBe(false)
  })
})

describe('entities from the command line', () => {
  it('a valid key is an actor or provider, a broken key keeps its error, any other token is a component', () => {
    const actor = newActorId()
    expect(entityFromId(actor)).toEqual({ kind: 'actor', id: actor })
    expect(entityFromId(newProviderId(), 'db').kind).toBe('provider')
    expect(entityFromId('hello')).toEqual(hello)
    expect(entityFromId('MB')).toEqual({ kind: 'component', id: 'MB' })
    const broken = `${actor.slice(0, 55)}${actor[55] === 'A' ? 'B' : 'A'}`
    expect(() => entityFromId(broken)).toThrow(/checksum/)
    expect(() => entityFromId('a.b')).toThrow(LatticeError)
  })
  it('a component version is a component ID, said so when it is not', () => {
    expect(checkEntityVersion(hello, '--to', 'hello-v2')).toBe('hello-v2')
    expect(() => checkEntityVersion(hello, '--to', 'v2.0')).toThrow(/--to .*"v2\.0".*"\."/)
    try {
      checkEntity({ kind: 'component', id: 'x y' })
      expect.unreachable()
    } catch (e) {
      expect((e as LatticeError).code).toBe('INVALID_COMPONENT_ID')
      expect((e as LatticeError).hint).toMatch(/hello-v2/)
    }
  })
})

describe('component routes', () => {
  const source = 'default.hello.wrpc.>'
  it('round-trip: the source is its own version', () => {
    const dests = destinationsFor('default', hello, { hello: 70, 'hello-v2': 30 })
    expect(dests).toEqual([
      { subject: 'default.hello.wrpc.>', weight: 70 },
      { subject: 'default.hello-v2.wrpc.>', weight: 30 },
    ])
    const [r] = routesFromMappings({ [source]: dests }, 'default')
    expect(r).toEqual({ entity: hello, subject: source, weights: { hello: 70, 'hello-v2': 30 } })
  })
  it('a drop with no weights: the rest goes to the component ID itself', () => {
    const dests = destinationsFor('default', hello, {}, 5)
    expect(dests).toEqual([
      { subject: source, weight: 95 },
      { subject: 'default.hello._drop.>', weight: 5 },
    ])
    const [r] = routesFromMappings({ [source]: dests }, 'default')
    expect(r.weights).toEqual({ hello: 95 })
    expect(r.drop).toBe(5)
    expect(r.foreign).toBeUndefined()
  })
  it('a drop with scaled weights, and cluster-scoped weights', () => {
    const dests = destinationsFor('default', hello, { hello: 45, 'hello-v2': 45 }, 10, { west: { 'hello-v2': 100 } })
    const [r] = routesFromMappings({ [source]: dests }, 'default')
    expect(r).toEqual({
      entity: hello,
      subject: source,
      weights: { hello: 45, 'hello-v2': 45 },
      drop: 10,
      clusters: { west: { 'hello-v2': 100 } },
    })
  })
  it('keeps foreign destinations', () => {
    const mappings: Mappings = {
      [source]: [
        { subject: 'default.hello-v2.wrpc.>', weight: 50 },
        { subject: 'elsewhere.>', weight: 50 },
        { subject: 'default.a.b.wrpc.>', weight: 0 },
      ],
    }
    const [r] = routesFromMappings(mappings, 'default')
    expect(r.weights).toEqual({ 'hello-v2': 50 })
    expect(r.foreign).toEqual([
      { subject: 'elsewhere.>', weight: 50 },
      { subject: 'default.a.b.wrpc.>', weight: 0 },
    ])
  })
  it('never reads or touches a lattice mapping that is not ours', () => {
    const theirs: Mappings = {
      'default.hello.wrpc.*': [{ subject: 'default.hello-v2.wrpc.*' }],
      'default.hello.wrpc.0.>': [{ subject: 'default.x.wrpc.0.>' }],
      'other.hello.wrpc.>': [{ subject: 'other.hello-v2.wrpc.>' }],
      'orders.>': [{ subject: 'orders.v2.>' }],
    }
    expect(routesFromMappings(theirs, 'default')).toEqual([])
    const next = applyRouteChanges(theirs, 'default', [{ entity: hello, weights: { hello: 90, 'hello-v2': 10 } }])
    expect(next).toEqual({
      ...theirs,
      [source]: [
        { subject: source, weight: 90 },
        { subject: 'default.hello-v2.wrpc.>', weight: 10 },
      ],
    })
    expect(applyRouteChanges(next, 'default', [{ entity: hello, weights: null }])).toEqual(theirs)
  })
  it('an actor route and a component route of the same lattice stay apart', () => {
    const actor = newActorId()
    const mappings = applyRouteChanges(undefined, 'default', [
      { entity: { kind: 'actor', id: actor }, weights: { v1: 50, v2: 50 } },
      { entity: hello, weights: { hello: 50, 'hello-v2': 50 } },
    ])
    expect(
      routesFromMappings(mappings, 'default')
        .map((r) => r.entity.kind)
        .sort(),
    ).toEqual(['actor', 'component'])
  })
})

describe('readiness and instances of components', () => {
  const subs: Subscriber[] = [
    // host 1 runs hello (two functions), host 2 runs hello too, host 3 runs hello-v2 (one function)
    { server: 's', subject: call('hello'), queue: 'default.hello' },
    { server: 's', subject: 'default.hello.wrpc.0.0.1.test:demo/echo@0.1.0.call', queue: 'default.hello' },
    { server: 's', subject: call('hello'), queue: 'default.hello' },
    { server: 's', subject: call('hello-v2'), queue: 'default.hello-v2' },
    // an observer (no queue group, the `>` subject) serves nothing
    { server: 's', subject: 'default.hello-v3.wrpc.>' },
  ]
  it('instances: the most subscribers on any one wRPC subject of that ID, in its queue group', () => {
    expect(instancesOf('default', hello, 'hello', subs)).toBe(2)
    expect(instancesOf('default', hello, 'hello-v2', subs)).toBe(1)
    expect(instancesOf('default', hello, 'hello-v3', subs)).toBe(0)
  })
  it('a version nothing serves is not ready', () => {
    const change = (after: Record<string, number>) => [
      { entity: hello, subject: 'default.hello.wrpc.>', before: null, after },
    ]
    expect(unreadyVersions('default', change({ hello: 70, 'hello-v2': 30 }), subs)).toEqual([])
    expect(unreadyVersions('default', change({ hello: 70, 'hello-v3': 30 }), subs)).toEqual([
      {
        entity: 'component hello',
        version: 'hello-v3',
        subject: 'default.hello-v3.wrpc.>',
        running: { hello: 2, 'hello-v2': 1 },
        didYouMean: [],
      },
    ])
  })
  it('running components show as entities of their own', () => {
    expect(runningEntities(subs, 'default')).toEqual([
      { kind: 'component', scheme: 'wRPC', id: 'hello', subject: 'default.hello.wrpc.>', instances: { hello: 2 } },
      {
        kind: 'component',
        scheme: 'wRPC',
        id: 'hello-v2',
        subject: 'default.hello-v2.wrpc.>',
        instances: { 'hello-v2': 1 },
      },
    ])
  })
})

describe('status view of components', () => {
  it('shows the scheme in KIND and each version subject, drop included', async () => {
    const { renderStatus } = await import('../../src/views/routing-view.js')
    const text = renderStatus({
      account: 'A',
      lattice: 'default',
      routes: [
        {
          kind: 'component',
          scheme: 'wRPC',
          id: 'hello',
          subject: 'default.hello.wrpc.>',
          weights: { hello: 45, 'hello-v2': 45 },
          drop: 10,
          instances: { hello: 2, 'hello-v2': 1 },
        },
      ],
      unrouted: [
        { kind: 'component', scheme: 'wRPC', id: 'other', subject: 'default.other.wrpc.>', instances: { other: 1 } },
      ],
      warnings: [],
    })
    expect(text).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello\s+45%\s+2\s+default\.hello\.wrpc\.>/)
    expect(text).toMatch(/hello\s+component \(wRPC\)\s+-\s+hello-v2\s+45%\s+1\s+default\.hello-v2\.wrpc\.>/)
    expect(text).toMatch(/hello\s+component \(wRPC\)\s+-\s+\(dropped\)\s+10%\s+-\s+default\.hello\._drop\.>/)
    expect(text).toMatch(/other\s+component \(wRPC\)\s+-\s+other\s+unrouted\s+1\s+default\.other\.wrpc\.>/)
    expect(text).toContain('unrouted: no mapping, so calls to a component ID reach that ID.')
  })
})

describe('change lines of components', () => {
  it('an unmapped component is shown as all of its calls on its own ID, before and after', async () => {
    const { renderChange } = await import('../../src/views/routing-view.js')
    const entity: EntityRef = { kind: 'component', id: 'hello' }
    const result = (before: Record<string, number> | null, after: Record<string, number> | null) =>
      renderChange({
        account: 'A',
        lattice: 'default',
        dryRun: false,
        servers: [],
        warnings: [],
        changes: [{ entity, subject: 'default.hello.wrpc.>', before, after }],
      } as never)
    expect(result(null, { hello: 90, 'hello-v2': 10 })).toContain(
      'component hello: hello 100% -> 90%, hello-v2 0% -> 10%',
    )
    expect(result({ hello: 10, 'hello-v2': 90 }, null)).toContain(
      'component hello: hello 10% -> 100%, hello-v2 90% -> 0% (mapping removed)',
    )
  })
})

describe('servers too old for component routes', () => {
  it('names each server before 2.9.22; nothing for actors or new servers', async () => {
    const { componentServersProblem } = await import('../../src/plan/server-rules.js')
    const { rulesFor } = await import('../../src/plan/server-rules.js')
    const servers = [
      { name: 'n1', version: '2.9.10' },
      { name: 'n2', version: '2.10.27' },
    ]
    const e = componentServersProblem([hello], servers, rulesFor('2.9.10'))
    expect(e?.code).toBe('SERVER_RULES')
    expect(e?.message).toBe(
      'Routing component IDs (wRPC subjects) needs nats-server 2.9.22 or newer; server n1 runs 2.9.10. Nothing was changed.',
    )
    expect(componentServersProblem([{ kind: 'actor', id: newActorId() }], servers, rulesFor('2.9.10'))).toBeUndefined()
    expect(componentServersProblem([hello], [{ name: 'n2', version: '2.9.22' }], rulesFor('2.9.22'))).toBeUndefined()
  })
})
