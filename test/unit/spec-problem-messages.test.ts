import { describe, expect, it } from 'vitest'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { problems } from '../helpers/spec-problems.js'

const [a1, a2, a3, a4] = [newActorId(), newActorId(), newActorId(), newActorId()]
const p1 = newProviderId()

describe('problem messages', () => {
  // Spec texts that between them reach every kind of problem the parser reports.
  const bad = [
    'live: [\n',
    'lattice: !foo bar\n',
    'live: a\nlive: b\n',
    'a: b: c\n',
    'x:\n  - a\n - b\n',
    '"abc\n',
    '',
    '- a\n',
    'environments: []\nsplits: {}\nfaults: {}\nrollouts: {}\nlive: 3\n',
    `environments:\n  blue:\n    actors: { ${a1}: 0.4, ${a2}: true, ${a3}: [] }\n    providers: {}\n  green: 3\n  "1": {}\nlive: nope\n`,
    `environments:\n  blue:\n    providers:\n      - 3\n      - { link: x }\n      - { id: ${a1}, version: "1" }\n      - { id: ${p1}, link: "a b", version: "" }\n`,
    `splits:\n  - 3\n  - { actor: ${a1} }\n  - { actor: ${a1}, provider: ${p1}, weights: {} }\n  - { actor: ${a2}, weights: { "1": 0.4, 1.0: 99.6 } }\n  - { actor: ${a3}, weights: { "1": 40, "2": 40 } }\n  - { actor: ${a4}, weights: 3, clusters: { "a b": {} } }\n  - { actor: ${a4}, link: x, weights: { "1": 100 } }\n`,
    `faults:\n  - { actor: ${a1}, drop: 0.4 }\n  - { actor: ${a1}, drop: 5 }\n  - { actor: ${a2} }\n`,
    `rollouts:\n  - { actor: ${a1}, from: a, to: a, steps: [0.4, 150, x], interval: soon, gates: { probe: 3, colour: red } }\n  - { actor: ${a2}, steps: 3, gates: 3 }\n  - 3\n`,
  ]

  it('are sentences: every message ends with a full stop, every hint with a full stop or a question mark', () => {
    const all = bad.flatMap((text) => problems(text))
    expect([...new Set(all.map((p) => p.code))]).toEqual(
      expect.arrayContaining([
        'YAML_SYNTAX',
        'DUPLICATE_KEY',
        'EMPTY',
        'WRONG_TYPE',
        'INVALID_WEIGHT',
        'INVALID_DROP',
        'WEIGHTS_SUM',
        'MISSING_KEY',
        'UNKNOWN_KEY',
        'INVALID_ROLLOUT',
        'INVALID_DURATION',
      ]),
    )
    for (const p of all) {
      expect(p.message, `${p.code}: ${p.message}`).toMatch(/\.$/)
      if (p.hint !== undefined) expect(p.hint, `${p.code}: ${p.hint}`).toMatch(/[.?]$/)
    }
  })

  it('a version YAML reads as a number or boolean is named as written, not as 1.0', () => {
    const ps = problems(`environments:\n  blue:\n    actors: { ${a1}: 0.4, ${a2}: true }\n`).filter(
      (p) => p.code === 'WRONG_TYPE',
    )
    expect(ps.map((p) => [p.message, p.hint])).toEqual([
      ['Version 0.4 is a number, not a string.', 'Quote it: "0.4" (YAML reads 0.4 as a number).'],
      ['Version true is a boolean, not a string.', 'Quote it: "true" (YAML reads true as a boolean).'],
    ])
  })
})
