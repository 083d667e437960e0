import { describe, expect, it } from 'vitest'
import { ANALYSIS_SETTINGS } from '../../src/analysis/options.js'
import { routeTokenProblem } from '../../src/subjects/index.js'

describe('published JSON Schema', () => {
  it('names exactly the keys the parser accepts', async () => {
    const { readFileSync } = await import('node:fs')
    const schema = JSON.parse(readFileSync(new URL('../../docs/lattice.schema.json', import.meta.url), 'utf8'))
    expect(Object.keys(schema.properties).sort()).toEqual([
      'account',
      'environments',
      'faults',
      'lattice',
      'live',
      'rollouts',
      'splits',
    ])
    expect(Object.keys(schema.properties.rollouts.items.properties).sort()).toEqual([
      'actor',
      'analysis',
      'component',
      'from',
      'gates',
      'interval',
      'link',
      'notify',
      'provider',
      'service',
      'steps',
      'to',
    ])
    expect(Object.keys(schema.properties.rollouts.items.properties.analysis.oneOf[2].properties).sort()).toEqual(
      ['mode', 'judge', 'earlyPromote', ...Object.keys(ANALYSIS_SETTINGS)].sort(),
    )
    expect(Object.keys(schema.properties.rollouts.items.properties.gates.properties).sort()).toEqual([
      'command',
      'probe',
      'prometheus',
      'webhook',
    ])
    expect(
      Object.keys(schema.properties.rollouts.items.properties.gates.properties.prometheus.properties).sort(),
    ).toEqual(['condition', 'count', 'failureLimit', 'interval', 'query', 'url'])
    expect(Object.keys(schema.properties.environments.additionalProperties.properties).sort()).toEqual([
      'actors',
      'components',
      'providers',
      'services',
    ])
    expect(Object.keys(schema.properties.splits.items.properties).sort()).toEqual([
      'actor',
      'clusters',
      'component',
      'link',
      'provider',
      'service',
      'weights',
    ])
    expect(Object.keys(schema.properties.faults.items.properties).sort()).toEqual([
      'actor',
      'component',
      'drop',
      'link',
      'provider',
      'service',
    ])
    expect(schema.additionalProperties).toBe(false)
  })
  it('its token pattern agrees with the parser on lattice and link names', async () => {
    const { readFileSync } = await import('node:fs')
    const schema = JSON.parse(readFileSync(new URL('../../docs/lattice.schema.json', import.meta.url), 'utf8'))
    const pattern = new RegExp(schema.$defs.token.pattern, 'u')
    for (const name of [
      'default',
      'a*b',
      'lab>1',
      '*',
      '>',
      'a.b',
      'a b',
      '{{foo()}}',
      '{{}}',
      '$1',
      '$-2',
      '$a',
      '',
    ]) {
      expect(pattern.test(name), name).toBe(routeTokenProblem(name) === undefined)
    }
  })
})
