/** The resolver module against a real server: per-server replies, rejections, lookups. */
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyAccountJwt } from '../../src/account/account.js'
import { sign } from '../../src/account/jwt.js'
import { lookupAccountJwt, pushAccountJwt } from '../../src/resolver/claims.js'
import type { Connection } from '../../src/resolver/connection.js'
import { fetchServerFacts } from '../../src/resolver/server-info.js'
import { liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ nodes: 3 })
let nc: Connection

beforeAll(async () => {
  nc = await t.connect(t.l.sysCredsFile)
})

describe('resolver', () => {
  it('every server of a 3-node cluster answers a push once, by name', async () => {
    const live = verifyAccountJwt((await lookupAccountJwt(nc, t.l.appAccount)) as string, t.l.appAccount)
    const jwt = sign(
      { ...live.claims, nats: { ...live.claims.nats, description: 'x' } },
      t.l.id.operator,
      (live.claims.iat ?? 0) + 1,
    )
    const replies = await pushAccountJwt(nc, jwt)
    expect(replies.map((r) => r.server)).toEqual(['n1', 'n2', 'n3'])
    expect(replies.every((r) => r.ok && r.message === 'jwt updated')).toBe(true)
    for (const node of t.l.nodes) expect(await liveJwt(t.l, node.clientUrl)).toBe(jwt)
  })

  it('reports each server that rejects a JWT, with its reason', async () => {
    const live = verifyAccountJwt((await lookupAccountJwt(nc, t.l.appAccount)) as string, t.l.appAccount)
    const over = {
      'a.b': [
        { subject: 'a.c', weight: 60 },
        { subject: 'a.d', weight: 60 },
      ],
    }
    const jwt = sign(
      { ...live.claims, nats: { ...live.claims.nats, mappings: over } },
      t.l.id.operator,
      (live.claims.iat ?? 0) + 1,
    )
    const replies = await pushAccountJwt(nc, jwt)
    expect(replies).toHaveLength(3)
    for (const r of replies) {
      expect(r.ok).toBe(false)
      expect(r.message).toMatch(/exceeds 100%/)
    }
    expect(await lookupAccountJwt(nc, t.l.appAccount)).toBe(live.jwt) // the old JWT stays live
  })

  it('knows the server version and the operator keys it trusts', async () => {
    const facts = await fetchServerFacts(nc)
    expect(facts.version).toMatch(/^2\./)
    expect(facts.trustedKeys.has(t.l.id.operator.getPublicKey())).toBe(true)
    expect(facts.trustedKeys.has(t.l.id.operatorSigningKey.getPublicKey())).toBe(true)
  })
})
