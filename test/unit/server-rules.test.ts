import { describe, expect, it } from 'vitest'
import { mappingIssues, mappingProblems, oldestVersion, routesThatFit, rulesFor } from '../../src/plan/server-rules.js'

describe('server rules', () => {
  it('follow the server version; unknown versions get the strictest rules', () => {
    expect(rulesFor('2.9.10')).toMatchObject({
      version: '2.9.10',
      wildcardDestinations: false,
      perClusterTotals: false,
    })
    expect(rulesFor('2.9.22')).toMatchObject({ wildcardDestinations: true, perClusterTotals: false })
    expect(rulesFor('2.10.17')).toMatchObject({ wildcardDestinations: true, perClusterTotals: false })
    expect(rulesFor('2.10.18')).toMatchObject({ wildcardDestinations: true, perClusterTotals: true })
    expect(rulesFor('2.11.0-beta.1')).toMatchObject({ perClusterTotals: true })
    expect(rulesFor(undefined)).toMatchObject({
      version: 'unknown',
      wildcardDestinations: false,
      perClusterTotals: false,
    })
    expect(rulesFor('nonsense')).toMatchObject({ perClusterTotals: false })
  })
  it('the oldest server of a mixed cluster decides', () => {
    expect(oldestVersion(['2.10.20', '2.9.10', '2.11.1'])).toBe('2.9.10')
    expect(oldestVersion(['unknown', '2.10.20'])).toBe('2.10.20')
    expect(oldestVersion([])).toBeUndefined()
  })
  it('2.9 counts cluster-scoped and unscoped weights against one total; 2.10.18 keeps one per cluster', () => {
    const m = {
      'a.b': [
        { subject: 'a.b.v1', weight: 100, cluster: 'west' },
        { subject: 'a.b.v2', weight: 100, cluster: 'east' },
      ],
    }
    expect(mappingProblems(m, rulesFor('2.9.10'))).toEqual([
      expect.stringMatching(/a\.b: weights add up to 200%, over 100% \(nats-server 2\.9\.10 counts cluster-scoped/),
    ])
    expect(mappingProblems(m, rulesFor('2.10.18'))).toEqual([])
    const over = {
      'a.b': [
        { subject: 'a.b.v1', weight: 60, cluster: 'west' },
        { subject: 'a.b.v2', weight: 50, cluster: 'west' },
      ],
    }
    expect(mappingProblems(over, rulesFor('2.10.18'))).toEqual([
      'a.b: weights in cluster west add up to 110%, over 100%',
    ])
  })
  it('wildcard destinations: the JWT is rejected before 2.9.22; after, only > (with a > source) is installed', () => {
    const fwc = { 'a.>': [{ subject: 'b.>', weight: 100 }] }
    expect(mappingIssues(fwc, rulesFor('2.9.10'))).toEqual([
      expect.objectContaining({
        effect: 'rejected',
        text: expect.stringMatching(/2\.9\.10 rejects a JWT with wildcards/),
      }),
    ])
    expect(mappingProblems(fwc, rulesFor('2.9.22'))).toEqual([])
    expect(mappingIssues({ 'a.*': [{ subject: 'b.*' }] }, rulesFor('2.10.0'))).toEqual([
      expect.objectContaining({
        effect: 'not installed',
        text: expect.stringMatching(/cannot map to a destination with a \*/),
      }),
    ])
    expect(mappingIssues({ 'a.b': [{ subject: 'b.>' }] }, rulesFor('2.14.5'))).toEqual([
      expect.objectContaining({ effect: 'not installed' }),
    ])
    expect(mappingIssues({ 'a.b': [{ subject: 'b.>' }] }, rulesFor('2.15.1'))).toEqual([
      expect.objectContaining({ effect: 'rejected' }),
    ])
  })
  it('mapping functions: unknown ones are not installed; random from 2.12', () => {
    expect(mappingIssues({ 'a.*': [{ subject: 'b.{{nosuch(1)}}' }] }, rulesFor('2.10.27'))).toEqual([
      expect.objectContaining({
        effect: 'not installed',
        text: expect.stringMatching(/knows no mapping function \{\{nosuch\(1\)\}\}/),
      }),
    ])
    expect(mappingProblems({ 'a.*': [{ subject: 'b.{{Wildcard(1)}}' }] }, rulesFor('2.9.10'))).toEqual([])
    expect(mappingProblems({ 'a.*': [{ subject: 'b.{{random(3)}}' }] }, rulesFor('2.10.27'))).toHaveLength(1)
    expect(mappingProblems({ 'a.*': [{ subject: 'b.{{random(3)}}' }] }, rulesFor('2.12.0'))).toEqual([])
  })
  it('a destination given weight in two scopes is refused on every version (the servers would install nothing)', () => {
    const m = {
      'a.b': [
        { subject: 'a.b.v1', weight: 50 },
        { subject: 'a.b.v1', weight: 50, cluster: 'west' },
      ],
    }
    for (const v of ['2.9.10', '2.10.18', '2.11.0'])
      expect(mappingIssues(m, rulesFor(v))).toEqual([
        {
          source: 'a.b',
          effect: 'not installed',
          text: expect.stringMatching(
            /a\.b\.v1 is a destination twice \(unscoped and cluster west.*\); the servers would install no mapping for a\.b/,
          ),
        },
      ])
    expect(mappingIssues(m, rulesFor('2.15.1'))).toEqual([
      {
        source: 'a.b',
        effect: 'rejected',
        text: expect.stringMatching(/a destination twice .*; nats-server 2\.15\.1 rejects the JWT/),
      },
    ])
    expect(
      mappingProblems(
        {
          'a.b': [
            { subject: 'a.b.v1', weight: 50 },
            { subject: 'a.b.v2', weight: 50, cluster: 'west' },
          ],
        },
        rulesFor('2.9.10'),
      ),
    ).toEqual([])
  })
  it('a missing weight counts as 100', () => {
    expect(
      mappingProblems({ 'a.b': [{ subject: 'a.b.v1' }, { subject: 'a.b.v2', weight: 1 }] }, rulesFor('2.9.10')),
    ).toHaveLength(1)
  })
  it('how many routes fit in max_payload', () => {
    // 1000 bytes of other claims, 10 routes of 200 bytes each.
    expect(routesThatFit(4000, 3000, 10, 1000)).toBe(15)
    expect(routesThatFit(500, 3000, 10, 1000)).toBe(0)
  })
})
