import { describe, expect, it } from 'vitest'
import { describeDifference, installedDifferences, installedShares } from '../../src/plan/installed.js'

// Installed forms below are what nats-server 2.9.10 / 2.10.27 / 2.15.1 report in ACCOUNTZ for
// the JWT mappings beside them (recorded from real servers).
describe('installed mappings against the JWT', () => {
  it('turns the server cumulative form back into shares, per cluster', () => {
    expect(
      installedShares([
        { subject: 's.djI', weight: 30 },
        { subject: 's.djE', weight: 100 },
      ]),
    ).toEqual([
      { subject: 's.djI', weight: 30 },
      { subject: 's.djE', weight: 70 },
    ])
    expect(
      installedShares([
        { subject: 'y', weight: 40 },
        { subject: 'x', weight: 100, cluster: 'w' },
      ]),
    ).toEqual([
      { subject: 'y', weight: 40 },
      { subject: 'x', weight: 100, cluster: 'w' },
    ])
  })

  it('the same mapping in both forms is no difference, with the remainder listed as the source', () => {
    const jwt = {
      'a.b': [
        { subject: 'a.b.v1', weight: 70 },
        { subject: 'a.b.v2', weight: 30 },
      ],
      'x.y': [{ subject: 'x.y.v1', weight: 60 }],
      // the source listed by the JWT itself (fault injection) is compared, not taken for a remainder
      'q.r': [
        { subject: 'q.r', weight: 95 },
        { subject: 'q.r._drop', weight: 5 },
      ],
      // cluster-scoped, with an unscoped share: each scope gets its own remainder
      'c.d': [
        { subject: 'c.d.v1', weight: 50, cluster: 'c1' },
        { subject: 'c.d.v2', weight: 100, cluster: 'c2' },
        { subject: 'c.d.v3', weight: 20 },
      ],
      // weight 0 and a missing weight both mean 100
      'z.w': [{ subject: 'z.w.v1', weight: 0 }],
      'z.v': [{ subject: 'z.v.v1' }],
    }
    const installed = {
      'a.b': [
        { subject: 'a.b.v2', weight: 30 },
        { subject: 'a.b.v1', weight: 100 },
      ],
      'x.y': [
        { subject: 'x.y', weight: 40 },
        { subject: 'x.y.v1', weight: 100 },
      ],
      'q.r': [
        { subject: 'q.r._drop', weight: 5 },
        { subject: 'q.r', weight: 100 },
      ],
      'c.d': [
        { subject: 'c.d.v3', weight: 20 },
        { subject: 'c.d', weight: 100 },
        { subject: 'c.d.v1', weight: 50, cluster: 'c1' },
        { subject: 'c.d', weight: 100, cluster: 'c1' },
        { subject: 'c.d.v2', weight: 100, cluster: 'c2' },
      ],
      'z.w': [{ subject: 'z.w.v1', weight: 100 }],
      'z.v': [{ subject: 'z.v.v1', weight: 100 }],
    }
    expect(installedDifferences(jwt, installed)).toEqual([])
  })

  it('a mapping the server kept from before, one it never installed, and one it still runs', () => {
    const jwt = {
      'a.b': [
        { subject: 'a.b.v1', weight: 50 },
        { subject: 'a.b.v1', weight: 50 },
      ],
      'n.e.w': [{ subject: 'n.e.w.{{foo()}}', weight: 50 }],
    }
    const installed = {
      'a.b': [
        { subject: 'a.b.v2', weight: 30 },
        { subject: 'a.b.v1', weight: 100 },
      ],
      'o.l.d': [{ subject: 'o.l.d.v1', weight: 100 }],
    }
    const d = installedDifferences(jwt, installed)
    expect(d).toEqual([
      {
        subject: 'a.b',
        jwt: [
          { subject: 'a.b.v1', weight: 50 },
          { subject: 'a.b.v1', weight: 50 },
        ],
        runs: [
          { subject: 'a.b.v2', weight: 30 },
          { subject: 'a.b.v1', weight: 70 },
        ],
      },
      { subject: 'n.e.w', jwt: [{ subject: 'n.e.w.{{foo()}}', weight: 50 }], runs: null },
      { subject: 'o.l.d', jwt: null, runs: [{ subject: 'o.l.d.v1', weight: 100 }] },
    ])
    expect(describeDifference(d[0])).toBe('a.b: the JWT says a.b.v1 50%, a.b.v1 50%, it runs a.b.v2 30%, a.b.v1 70%')
    expect(describeDifference(d[1])).toBe('n.e.w: the JWT says n.e.w.{{foo()}} 50%, it runs no mapping')
  })

  it('a share that differs, or one in another cluster, is a difference', () => {
    const jwt = { 'a.b': [{ subject: 'a.b.v1', weight: 60 }] }
    expect(
      installedDifferences(jwt, {
        'a.b': [
          { subject: 'a.b.v1', weight: 40 },
          { subject: 'a.b', weight: 100 },
        ],
      }),
    ).toHaveLength(1)
    expect(
      installedDifferences(jwt, {
        'a.b': [
          { subject: 'a.b.v1', weight: 60, cluster: 'w' },
          { subject: 'a.b', weight: 100, cluster: 'w' },
          { subject: 'a.b', weight: 100 },
        ],
      }),
    ).toHaveLength(1)
    expect(
      describeDifference(installedDifferences(jwt, { 'a.b': [{ subject: 'a.b.v1', weight: 60, cluster: 'w' }] })[0]),
    ).toBe('a.b: the JWT says a.b.v1 60%, it runs a.b.v1 60% @w')
    // Nothing on either side: equal.
    expect(installedDifferences(undefined, undefined)).toEqual([])
    expect(installedDifferences({ 'a.b': [] }, { 'a.b': [{ subject: 'a.b', weight: 100 }] })).toEqual([])
  })
})
