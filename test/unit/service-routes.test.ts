import { describe, expect, it } from 'vitest'
import { isLatticeError } from '../../src/errors.js'
import { applyRouteChanges, routesFromMappings } from '../../src/plan/routes.js'
import type { DiscoveredService } from '../../src/services/discovery.js'
import { serviceRoutes } from '../../src/services/service-routes.js'
import { checkedCatalogue, rememberServices, serviceSubjectProblem } from '../../src/subjects/index.js'

const ep = (name: string, subject: string) => ({ name, subject, queueGroup: 'q' })
const calc = (...versions: [string, [string, string][]][]): DiscoveredService => ({
  name: 'calc',
  versions: versions.map(([version, eps]) => ({
    version,
    instances: ['x'],
    endpoints: eps.map(([n, s]) => ep(n, s)),
  })),
  shared: [],
})
const V1 = [
  '1.0.0',
  [
    ['add', 'calc.add'],
    ['echo', 'calc.echo'],
  ],
] as [string, [string, string][]]
const V11 = [
  '1.1.0',
  [
    ['add', 'v1_1_0.calc.add'],
    ['echo', 'v1_1_0.calc.echo'],
  ],
] as [string, [string, string][]]

function refusal(f: () => unknown): { code: string; message: string } {
  try {
    f()
  } catch (e) {
    if (isLatticeError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('not refused')
}

describe('serviceRoutes', () => {
  it("maps each endpoint of --from's subjects to the same endpoint of every running version", () => {
    const routes = serviceRoutes('calc', { from: '1.0.0', to: '1.1.0', weight: 30 }, calc(V1, V11), undefined)
    expect(routes).toEqual([
      {
        kind: 'service',
        id: 'calc',
        endpoint: 'add',
        subjects: { caller: 'calc.add', versions: { '1.0.0': 'calc.add', '1.1.0': 'v1_1_0.calc.add' } },
      },
      {
        kind: 'service',
        id: 'calc',
        endpoint: 'echo',
        subjects: { caller: 'calc.echo', versions: { '1.0.0': 'calc.echo', '1.1.0': 'v1_1_0.calc.echo' } },
      },
    ])
  })

  it('refuses a new version without a counterpart of every endpoint, naming each missing one', () => {
    const r = refusal(() =>
      serviceRoutes(
        'calc',
        { from: '1.0.0', to: '1.2.0', weight: 10 },
        calc(V1, ['1.2.0', [['add', 'x.add']]]),
        undefined,
      ),
    )
    expect(r).toEqual({
      code: 'MISSING_ENDPOINTS',
      message:
        'Service calc 1.2.0 has no endpoint echo (called on calc.echo): every endpoint callers call needs a counterpart of the same name in the new version.',
    })
  })

  it('refuses two running versions on one subject, a first shift without --from, and versions not running', () => {
    expect(
      refusal(() =>
        serviceRoutes('calc', { from: '1.0.0', to: '1.1.0', weight: 10 }, calc(V1, ['1.1.0', V1[1]]), undefined),
      ).code,
    ).toBe('NOT_STEERABLE')
    expect(refusal(() => serviceRoutes('calc', { to: '1.1.0', weight: 10 }, calc(V1, V11), undefined)).code).toBe(
      'INVALID_SHIFT',
    )
    expect(
      refusal(() => serviceRoutes('calc', { from: '1.0.0', to: '2.0.0', weight: 10 }, calc(V1, V11), undefined)),
    ).toMatchObject({
      code: 'VERSION_NOT_READY',
      message: 'Service calc 2.0.0 is not running (running: 1.0.0, 1.1.0).',
    })
  })

  it.each([
    ['$SRV.PING.calc', 'system subject'],
    ['_INBOX.abc', 'reply inbox'],
    ['calc.*', 'wildcard'],
    ['calc.>', 'wildcard'],
    ['wasmbus.rpc.default.x', 'wasmbus.rpc.'],
    ['calc.add._drop', '_drop'],
  ])('will not map %s (%s)', (subject, why) => {
    expect(serviceSubjectProblem(subject)).toContain(why)
    const r = refusal(() =>
      serviceRoutes(
        'calc',
        { from: '1.0.0', to: '1.1.0', weight: 10 },
        calc(['1.0.0', [['add', subject]]], ['1.1.0', [['add', 'v.add']]]),
        undefined,
      ),
    )
    expect(r.code).toBe('UNSAFE_SUBJECT')
  })

  it('keeps remembered callers and stopped versions, and forgets a stopped version whose subject a running one took', () => {
    const known = {
      add: { caller: 'calc.add', versions: { '1.0.0': 'calc.add', '1.1.0': 'v1_1_0.calc.add' } },
    }
    // 1.0.0 stopped; 1.1.0 runs; 2.0.0 was redeployed on the callers' subject itself.
    const [route] = serviceRoutes(
      'calc',
      { to: '2.0.0', weight: 50 },
      calc(['1.1.0', [['add', 'v1_1_0.calc.add']]], ['2.0.0', [['add', 'calc.add']]]),
      known,
    )
    expect(route.subjects).toEqual({
      caller: 'calc.add',
      versions: { '1.1.0': 'v1_1_0.calc.add', '2.0.0': 'calc.add' },
    })
  })
})

describe('service routes in the JWT', () => {
  const entity = {
    kind: 'service' as const,
    id: 'calc',
    endpoint: 'add',
    subjects: { caller: 'calc.add', versions: { '1.0.0': 'calc.add', '1.1.0': 'v1_1_0.calc.add' } },
  }
  const catalogue = rememberServices(undefined, [{ entity }])

  it('writes the caller subject to each version, reads it back only with the catalogue, and leaves other mappings', () => {
    const mappings = applyRouteChanges({ 'other.x': [{ subject: 'other.y' }] }, 'default', [
      { entity, weights: { '1.0.0': 70, '1.1.0': 30 } },
    ])
    expect(mappings).toEqual({
      'other.x': [{ subject: 'other.y' }],
      'calc.add': [
        { subject: 'calc.add', weight: 70 },
        { subject: 'v1_1_0.calc.add', weight: 30 },
      ],
    })
    expect(routesFromMappings(mappings, 'default')).toEqual([])
    expect(routesFromMappings(mappings, 'default', catalogue)).toEqual([
      { entity, subject: 'calc.add', weights: { '1.0.0': 70, '1.1.0': 30 } },
    ])
  })

  it("a fault sends its share to the caller subject's drop subject, and reads back as the drop", () => {
    const mappings = applyRouteChanges(undefined, 'default', [{ entity, weights: { '1.1.0': 80 }, drop: 20 }])
    expect(mappings?.['calc.add']).toEqual([
      { subject: 'v1_1_0.calc.add', weight: 80 },
      { subject: 'calc.add._drop', weight: 20 },
    ])
    expect(routesFromMappings(mappings, 'default', catalogue)[0]).toMatchObject({ weights: { '1.1.0': 80 }, drop: 20 })
  })

  it('the catalogue remembers each endpoint as last routed, per service', () => {
    const next = rememberServices(catalogue, [
      {
        entity: { ...entity, endpoint: 'echo', subjects: { caller: 'calc.echo', versions: { '1.0.0': 'calc.echo' } } },
      },
      { entity: { kind: 'actor', id: 'M' } },
    ])
    expect(Object.keys(next?.calc ?? {})).toEqual(['add', 'echo'])
    expect(rememberServices(undefined, [{ entity: { kind: 'actor', id: 'M' } }])).toBeUndefined()
  })
})

describe('a service named on the command line', () => {
  it('takes only semantic versions (as the instances announce them) and names the flag', async () => {
    const { validateShift } = await import('../../src/ops/shift.js')
    const shift = (to: string) => () => validateShift({ entity: { kind: 'service', id: 'calc' }, to, weight: 10 })
    expect(refusal(shift('__proto__'))).toEqual({
      code: 'INVALID_VERSION',
      message: `Invalid version --to "__proto__": a service's version is a semantic version.`,
    })
    expect(refusal(shift('v2')).code).toBe('INVALID_VERSION')
    expect(validateShift({ entity: { kind: 'service', id: 'calc' }, to: '2.0.0-rc.1', weight: 10 })).toMatchObject({
      to: '2.0.0-rc.1',
    })
    expect(
      refusal(() => validateShift({ entity: { kind: 'service', id: 'calc.v2' }, to: '1.0.0', weight: 10 })).code,
    ).toBe('INVALID_SERVICE_NAME')
  })
})

describe('the catalogue read from the state', () => {
  it('keeps what is sound and leaves out bad names, versions and subjects (anyone with the state creds can write it)', () => {
    const read = checkedCatalogue(
      JSON.parse(`{
        "calc": {
          "add": { "caller": "calc.add", "versions": { "1.0.0": "calc.add", "1.1.0": "$SYS.REQ.CLAIMS.UPDATE", "v2": "x.add" } },
          "echo": { "caller": "_INBOX.x", "versions": {} },
          "mul": "not an object"
        },
        "bad name": { "add": { "caller": "a", "versions": {} } },
        "__proto__": { "add": { "caller": "p.add", "versions": { "1.0.0": "p.add" } } }
      }`),
    )
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
    expect(read?.calc).toEqual({ add: { caller: 'calc.add', versions: { '1.0.0': 'calc.add' } } })
    // "__proto__" is a service name like any other: kept as a plain key, never the prototype.
    expect(Object.keys(read ?? {})).toEqual(['calc', '__proto__'])
    expect(checkedCatalogue([1, 2])).toBeUndefined()
    expect(checkedCatalogue(undefined)).toBeUndefined()
  })
})
