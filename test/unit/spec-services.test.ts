/** Specs with NATS services: environments (`services:`), splits, faults and rollouts (`service:`). */
import { describe, expect, it } from 'vitest'
import { problems } from '../helpers/spec-problems.js'
import { parseSpec } from '../../src/spec/parse.js'
import { environmentSubjects } from '../../src/spec/environments.js'

const spec = `environments:
  blue:
    services: { calc: "1.0.0" }
  green:
    services: { calc: "1.1.0" }
live: blue
splits:
  - service: pricing
    weights: { "2.0.0": 90, "2.1.0": 10 }
faults:
  - service: pricing
    drop: 5
rollouts:
  - service: quotes
    from: 1.0.0
    to: 1.1.0
    steps: [50, 100]
`

describe('service entries in a spec', () => {
  it('parses environments, splits, faults and rollouts by service name', () => {
    const s = parseSpec(spec, 'f.yaml')
    expect(s.environments.green).toEqual([{ entity: { kind: 'service', id: 'calc' }, version: '1.1.0' }])
    expect(s.splits).toEqual([{ entity: { kind: 'service', id: 'pricing' }, weights: { '2.0.0': 90, '2.1.0': 10 } }])
    expect(s.faults).toEqual([{ entity: { kind: 'service', id: 'pricing' }, drop: 5 }])
    expect(s.rollouts[0]).toMatchObject({ entity: { kind: 'service', id: 'quotes' }, from: '1.0.0', to: '1.1.0' })
  })

  it('locates a bad service name, a link on a service, and a service without a version', () => {
    const found = problems(`environments:
  blue:
    services: { calc: }
splits:
  - service: "calc.v2"
    weights: { "1.0.0": 100 }
  - service: calc
    link: default
    weights: { "1.0.0": 100 }
`).map((p) => [p.line, p.code, p.message])
    expect(found).toContainEqual([3, 'WRONG_TYPE', 'A version must be a string, e.g. "1.0.0".'])
    expect(found).toContainEqual([5, 'INVALID_ID', expect.stringMatching(/"calc\.v2" is not a service name/)])
    expect(found).toContainEqual([8, 'UNKNOWN_KEY', 'link applies to providers only.'])
  })

  it('env subjects gives no subject for a service: its versions serve the subjects their code gives them', () => {
    expect(environmentSubjects(parseSpec(spec, 'f.yaml'), 'green', 'default')).toEqual([
      { kind: 'service', id: 'calc', version: '1.1.0' },
    ])
  })
})
