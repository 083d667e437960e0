/** Specs with wasmCloud components (wRPC): environments, splits, faults and rollouts by component ID. */
import { describe, expect, it } from 'vitest'
import { problems } from '../helpers/spec-problems.js'
import { desiredRoutes } from '../../src/spec/compile.js'
import { parseSpec } from '../../src/spec/parse.js'

const spec = `environments:
  blue:
    components: { hello: hello }
  green:
    components: { hello: hello-v2 }
live: blue
splits:
  - component: echo
    weights: { echo: 70, echo-v2: 30 }
faults:
  - component: echo
    drop: 10
rollouts:
  - component: greeter
    from: greeter
    to: greeter-v2
    steps: [50, 100]
    gates: { command: ./check.sh }
`

describe('component entries in a spec', () => {
  it('parses environments, splits, faults and rollouts by component ID', () => {
    const s = parseSpec(spec, 'f.yaml')
    expect(s.environments.blue).toEqual([{ entity: { kind: 'component', id: 'hello' }, version: 'hello' }])
    expect(s.environments.green).toEqual([{ entity: { kind: 'component', id: 'hello' }, version: 'hello-v2' }])
    expect(s.splits).toEqual([{ entity: { kind: 'component', id: 'echo' }, weights: { echo: 70, 'echo-v2': 30 } }])
    expect(s.faults).toEqual([{ entity: { kind: 'component', id: 'echo' }, drop: 10 }])
    expect(s.rollouts[0]).toMatchObject({
      entity: { kind: 'component', id: 'greeter' },
      from: 'greeter',
      to: 'greeter-v2',
      steps: [50, 100],
      gateCmd: './check.sh',
    })
  })
  it('compiles: the live environment at 100%, swapping to green, the split with the fault', () => {
    expect(desiredRoutes(parseSpec(spec, 'f.yaml'))).toEqual([
      { entity: { kind: 'component', id: 'hello' }, weights: { hello: 100 } },
      { entity: { kind: 'component', id: 'echo' }, weights: { echo: 63, 'echo-v2': 27 }, drop: 10 },
    ])
    expect(desiredRoutes(parseSpec(spec, 'f.yaml'), 'green')[0]).toEqual({
      entity: { kind: 'component', id: 'hello' },
      weights: { 'hello-v2': 100 },
    })
  })
  it('locates bad component IDs and versions, and entries naming two kinds', () => {
    const bad = `environments:
  blue:
    components: { "hel.lo": hello, hi: "a b", yo: 3 }
splits:
  - component: echo
    weights: { echo.v2: 100 }
  - component: echo2
    actor: MB
    weights: { x: 100 }
`
    const found = problems(bad).map((p) => [p.line, p.code, p.message])
    expect(found).toContainEqual([
      3,
      'INVALID_ID',
      expect.stringMatching(/"hel\.lo" is not a component ID lattice can route: it contains "\."/),
    ])
    expect(found).toContainEqual([
      3,
      'INVALID_VERSION',
      expect.stringMatching(/"a b" is not a component ID lattice can route: it contains whitespace/),
    ])
    expect(found).toContainEqual([3, 'WRONG_TYPE', expect.stringMatching(/component ID \(a string\), not 3/)])
    expect(found).toContainEqual([6, 'INVALID_VERSION', expect.stringMatching(/"echo\.v2"/)])
    expect(found).toContainEqual([
      7,
      'CONFLICTING_KEYS',
      expect.stringMatching(/exactly one of actor, provider, component or service/),
    ])
  })
})
