/** Push raw mappings in the app account's JWT, bypassing lattice's checks: what a server itself does with them. */
import { sign } from '../../src/account/jwt.js'
import type { Mappings } from '../../src/plan/routes.js'
import { pushAccountJwt } from '../../src/resolver/claims.js'
import type { Connection } from '../../src/resolver/connection.js'
import { accountOnServers } from '../../src/resolver/servers.js'
import { liveClaims } from './live.js'
import { type TestLattice, sleep } from './nats-server.js'

/**
 * A push function for `l` over the system connection `sys()`: the push reply and, once the
 * server runs the JWT (if it took it), the mappings it installed. Each push gets a newer iat.
 */
export function mappingPusher(l: () => TestLattice, sys: () => Connection) {
  let lastIat = 0
  return async (mappings: Mappings) => {
    const claims = await liveClaims(l())
    lastIat = Math.max(Math.floor(Date.now() / 1000), lastIat + 1, (claims.iat ?? 0) + 1)
    const jwt = sign({ ...claims, nats: { ...claims.nats, mappings } }, l().id.operator, lastIat)
    const [reply] = await pushAccountJwt(sys(), jwt, { expected: 1 })
    const deadline = Date.now() + 10_000
    for (;;) {
      const [server] = await accountOnServers(sys(), l().appAccount, { expected: 1 })
      if (!reply.ok || server?.jwt === jwt) return { reply, installed: server?.mappings ?? {} }
      if (Date.now() > deadline)
        throw new Error(`the server replied ${reply.code} but does not run the pushed JWT after 10 s`)
      await sleep(50)
    }
  }
}
