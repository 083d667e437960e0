/** Read the live account JWT of a test lattice through our own resolver module. */
import { readCreds } from '../../src/auth/creds-file.js'
import { verifyAccountJwt } from '../../src/account/account.js'
import { lookupAccountJwt } from '../../src/resolver/claims.js'
import { openConnection } from '../../src/resolver/connection.js'
import type { TestLattice } from './nats-server.js'

export async function liveJwt(l: TestLattice, url = l.url): Promise<string> {
  const nc = await openConnection({ servers: url, creds: readCreds(l.sysCredsFile) })
  try {
    const jwt = await lookupAccountJwt(nc, l.appAccount)
    if (!jwt) throw new Error('no live JWT')
    return jwt
  } finally {
    await nc.close()
  }
}

export async function liveClaims(
  l: TestLattice,
  url = l.url,
): Promise<Record<string, unknown> & { iat?: number; iss: string; sub: string; nats: Record<string, unknown> }> {
  return verifyAccountJwt(await liveJwt(l, url), l.appAccount).claims
}
