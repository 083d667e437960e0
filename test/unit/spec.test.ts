import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { problems } from '../helpers/spec-problems.js'
import { desiredRoutes } from '../../src/spec/compile.js'
import { withLive } from '../../src/spec/live.js'
import { parseSpec } from '../../src/spec/parse.js'
import { encodePublicKey } from '../../src/subjects/index.js'

const M = () => encodePublicKey('module', randomBytes(32))
const V = () => encodePublicKey('service', randomBytes(32))
const A = encodePublicKey('account', randomBytes(32))

const [a1, a2, a3, a4] = [M(), M(), M(), M()]
const [p1, p2] = [V(), V()]
const good = `# comment kept
lattice: lab
account: ${A}
environments:
  blue:
    actors: { ${a1}: "1.0.0" }
    providers:
      - { id: ${p1}, link: db, version: "0.3.0" }
  green:
    actors: { ${a1}: "1.1.0" }
    providers:
      - { id: ${p1}, link: db, version: "0.4.0" }
live: blue
splits:
  - actor: ${a2}
    weights: { "1.0.0": 90, "2.0.0": 10 }
  - provider: ${p2}
    weights: { "0.3.0": 50, "0.4.0": 50 }
faults:
  - actor: ${a3}
    drop: 5
  - actor: ${a2}
    drop: 20
`

describe('spec', () => {
  it('parses a full spec', () => {
    const spec = parseSpec(good, 'f.yaml')
    expect(spec).toMatchObject({ lattice: 'lab', account: A, live: 'blue' })
    expect(spec.environments.green).toEqual([
      { entity: { kind: 'actor', id: a1 }, version: '1.1.0' },
      { entity: { kind: 'provider', id: p1, link: 'db' }, version: '0.4.0' },
    ])
    expect(spec.splits[1]).toEqual({
      entity: { kind: 'provider', id: p2, link: 'default' },
      weights: { '0.3.0': 50, '0.4.0': 50 },
    })
  })

  it('compiles environments, splits and faults into routes', () => {
    const routes = desiredRoutes(parseSpec(good, 'f.yaml'))
    const by = (id: string) => routes.find((r) => r.entity.id === id)
    expect(by(a1)).toMatchObject({ weights: { '1.0.0': 100 } })
    expect(by(p1)).toMatchObject({ weights: { '0.3.0': 100 } })
    expect(by(a2)).toMatchObject({ weights: { '1.0.0': 72, '2.0.0': 8 }, drop: 20 }) // 90/10 scaled to 80, plus the fault
    expect(by(a3)).toMatchObject({ weights: null, drop: 5 })
    expect(desiredRoutes(parseSpec(good, 'f.yaml'), 'green').find((r) => r.entity.id === a1)).toMatchObject({
      weights: { '1.1.0': 100 },
    })
  })

  it('reports every problem at once, each located, coded and with a fix', () => {
    const ps = problems(`lattice: a.b
account: ANOTANACCOUNT
environments:
  blue:
    actors: { ${a1}: 1.0, ${a1.slice(0, 55)}${a1.endsWith('X') ? 'Y' : 'X'}: "1.0.0" }
    providers:
      - { id: ${a1}, version: "1" }
      - { id: ${p1}, link: "x y", version: "2" }
  green:
    actors: { ${a4}: "1 0" }
    actors2: {}
live: purple
splits:
  - actor: ${a4}
    weights: { "1.0.0": 60, "2.0.0": 30 }
  - actor: ${a2}
    weigths: { "1.0.0": 100 }
  - actor: ${a3}
    weights: { "1.0.0": 50.5, "2.0.0": 49.5 }
  - actor: ${a3}
    weights: { "1.0.0": 100 }
  - actor: ${a2}
    provider: ${p2}
    weights: { "1.0.0": 100 }
faults:
  - actor: ${a3}
    drop: 101
  - actor: ${a3}
    drop: 1
`)
    const codes = ps.map((p) => `${p.line}:${p.code}`)
    expect(codes).toEqual([
      '1:INVALID_TOKEN',
      '2:INVALID_ACCOUNT',
      '5:WRONG_TYPE', // 1.0 is a number
      '5:INVALID_ID', // checksum
      '7:INVALID_ID', // an actor key as provider id
      '8:INVALID_TOKEN',
      '10:INVALID_VERSION',
      '11:UNKNOWN_KEY',
      '12:UNKNOWN_LIVE',
      '14:ENTITY_CONFLICT',
      '15:WEIGHTS_SUM',
      '16:MISSING_KEY',
      '17:UNKNOWN_KEY',
      '19:INVALID_WEIGHT',
      '19:INVALID_WEIGHT',
      '20:DUPLICATE_ENTITY',
      '22:CONFLICTING_KEYS',
      '27:INVALID_DROP',
      '28:DUPLICATE_ENTITY',
    ])
    for (const p of ps) {
      expect(p.file).toBe('f.yaml')
      expect(p.column).toBeGreaterThan(0)
      expect(p.message.length).toBeGreaterThan(10)
    }
    expect(ps.find((p) => p.code === 'UNKNOWN_KEY' && p.line === 17)?.hint).toBe('Did you mean "weights"?')
    expect(ps.find((p) => p.code === 'WRONG_TYPE')?.hint).toMatch(/Quote it: "1.0"/)
  })

  it('reports YAML syntax errors and duplicate keys with their position', () => {
    expect(problems('live: [\n').map((p) => p.code)).toEqual(['YAML_SYNTAX'])
    const dup = problems('live: a\nlive: b\n')
    expect(dup).toMatchObject([{ code: 'DUPLICATE_KEY', line: 2 }])
    expect(problems('').map((p) => p.code)).toEqual(['EMPTY'])
    expect(problems('- a\n').map((p) => p.code)).toEqual(['WRONG_TYPE'])
  })

  it('keeps comments and layout when live is rewritten', () => {
    expect(withLive(parseSpec(good, 'f.yaml'), 'green')).toBe(good.replace('live: blue', 'live: green'))
    const quoted = good.replace('live: blue', 'live: "blue"   # the live one')
    expect(withLive(parseSpec(quoted, 'f.yaml'), 'green')).toBe(
      good.replace('live: blue', 'live: green   # the live one'),
    )
    const none = good.replace('live: blue\n', '')
    expect(withLive(parseSpec(none, 'f.yaml'), 'green')).toBe(`${none}live: green\n`)
  })
})

describe('cluster-scoped splits', () => {
  const id = 'MACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAI3OQ'
  it('compile into cluster weights; each cluster sums to 100', () => {
    const spec = parseSpec(
      `splits:\n  - actor: ${id}\n    clusters: { west: { "1.0.0": 100 }, east: { "2.0.0": 50, "3.0.0": 50 } }\n`,
      'c.yaml',
    )
    expect(desiredRoutes(spec)).toEqual([
      {
        entity: { kind: 'actor', id },
        weights: {},
        clusters: { west: { '1.0.0': 100 }, east: { '2.0.0': 50, '3.0.0': 50 } },
      },
    ])
    expect(() => parseSpec(`splits:\n  - actor: ${id}\n    clusters: { west: { "1.0.0": 90 } }\n`, 'c.yaml')).toThrow(
      /c\.yaml:3:.*Weights sum to 90, not 100/s,
    )
    expect(() =>
      parseSpec(`splits:\n  - actor: ${id}\n    clusters: { "we st": { "1.0.0": 100 } }\n`, 'c.yaml'),
    ).toThrow(/INVALID_CLUSTER.*"we st" is invalid: it contains whitespace \(nats-server cluster names cannot\)/)
    // A "." (or "*") in a cluster name is fine for nats-server; it never goes into a subject.
    expect(
      desiredRoutes(parseSpec(`splits:\n  - actor: ${id}\n    clusters: { eu.west: { "1.0.0": 100 } }\n`, 'c.yaml'))[0]
        .clusters,
    ).toEqual({ 'eu.west': { '1.0.0': 100 } })
  })
})

describe('names nats-server would misread', () => {
  const id = 'MACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAI3OQ'
  it('a lattice or link name the server reads as a mapping function or wildcard reference is refused, located', () => {
    const ps = problems(
      `lattice: "$1"\nsplits:\n  - provider: ${V()}\n    link: "{{foo()}}"\n    weights: { "1.0.0": 100 }\n`,
    )
    expect(ps.map((p) => `${p.line}:${p.code}`)).toEqual(['1:INVALID_TOKEN', '4:INVALID_TOKEN'])
    expect(ps[0].message).toMatch(/nats-server reads "\$1" in a mapping destination as a wildcard reference/)
    expect(ps[1].message).toMatch(/reads a token "\{\{\.\.\.\}\}" in a mapping destination as a mapping function/)
  })
  it('"*" or ">" inside a name is a literal, and is accepted', () => {
    const spec = parseSpec(
      `lattice: "lab*1"\nsplits:\n  - provider: ${V()}\n    link: "a>b"\n    weights: { "1.0.0": 100 }\n`,
      'f.yaml',
    )
    expect(spec.lattice).toBe('lab*1')
    expect(desiredRoutes(spec)[0].entity.link).toBe('a>b')
  })
  it('versions are read in Unicode NFC; the same version spelt both ways twice is a duplicate', () => {
    const spec = parseSpec(`splits:\n  - actor: ${id}\n    weights: { "cafe\u0301": 100 }\n`, 'f.yaml')
    expect(desiredRoutes(spec)[0].weights).toEqual({ 'caf\u00e9': 100 })
    const ps = problems(`splits:\n  - actor: ${id}\n    weights: { "caf\u00e9": 50, "cafe\u0301": 50 }\n`)
    expect(ps.map((p) => p.code)).toEqual(['DUPLICATE_VERSION'])
    expect(ps[0].message).toMatch(/appears twice \(lattice compares version names in Unicode NFC/)
  })
})
describe('review regressions', () => {
  it('rejects environment names that YAML would not read back as the same string', () => {
    for (const name of ['"1"', 'true', '"a b"', '"-x"']) {
      expect(problems(`environments:\n  ${name}:\n    actors: {}\n`).map((p) => p.code)).toEqual([
        'INVALID_ENVIRONMENT',
      ])
    }
    expect(problems('environments:\n  __proto__:\n    actors: {}\nlive: __proto__\n').map((p) => p.code)).toEqual([
      'INVALID_ENVIRONMENT',
      'UNKNOWN_LIVE',
    ])
  })
  it('reports YAML warnings such as unknown tags', () => {
    expect(problems('lattice: !foo bar\n').map((p) => p.code)).toEqual(['YAML_SYNTAX'])
  })
  it('refuses to rewrite live when it is not a plain scalar, instead of corrupting the file', () => {
    const text = `environments:\n  blue: { actors: { ${a1}: "1" } }\n  green: { actors: { ${a1}: "2" } }\nlive: >-\n  blue\nsplits: []\n`
    expect(() => withLive(parseSpec(text, 'f.yaml'), 'green')).toThrow(/without changing its meaning/)
  })
})
