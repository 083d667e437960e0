/**
 * Installed vs stored, on a real 2-node cluster: a server that cannot install a mapping of a JWT
 * keeps running its previous mapping for that subject (2.9, 2.10) while it answers "jwt updated";
 * `status --servers` and every push compare what each server runs with the JWT. 2.15 refuses
 * such a JWT at the push instead (asserted for the version under test).
 */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyAccountJwt } from '../../src/account/account.js'
import { nextIat, sign } from '../../src/account/jwt.js'
import { readCreds } from '../../src/auth/creds-file.js'
import { ExitCode } from '../../src/errors.js'
import { parseVersion } from '../../src/plan/server-rules.js'
import { lookupAccountJwt, pushAccountJwt } from '../../src/resolver/claims.js'
import { type Connection, openConnection } from '../../src/resolver/connection.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'

interface Difference {
  subject: string
  jwt: { subject: string; weight: number }[] | null
  runs: { subject: string; weight: number }[] | null
}
interface ServersJson {
  servers: {
    server: string
    version: string
    latest: boolean | null
    installed: boolean | null
    differences?: Difference[]
  }[]
}

const t = useTestLattice({ nodes: 2 })
let sys: Connection
const apps: NatsConnection[] = []
const actor = newActorId()
const entity = { kind: 'actor' as const, id: actor }

/** Sign `mappings` into the live account JWT with the operator key and push it, as another tool would. */
async function pushMappings(mappings: Record<string, { subject: string; weight?: number }[]>) {
  const live = verifyAccountJwt((await lookupAccountJwt(sys, t.l.appAccount)) as string, t.l.appAccount)
  const jwt = sign(
    { ...live.claims, nats: { ...live.claims.nats, mappings: { ...live.claims.nats.mappings, ...mappings } } },
    t.l.id.operator,
    nextIat(live.claims.iat),
  )
  return { jwt, replies: await pushAccountJwt(sys, jwt, { expected: 2 }) }
}

beforeAll(async () => {
  sys = await openConnection({ servers: t.l.url, creds: readCreds(t.l.sysCredsFile) })
  t.track('conn', () => sys.close())
  // A client of the account (its subscriptions reach n2 over the route, so both load the account).
  apps.push(await t.connect(t.l.appCredsFile, t.l.nodes[0].clientUrl))
  for (const v of ['v1', 'v2']) apps[0].subscribe(versionedSubject('default', entity, v), { queue: 'q' })
  await apps[0].flush()
})

describe('installed vs stored', () => {
  it('a server that keeps its old mapping is named, per subject, by status --servers and by a push (exit 7)', async () => {
    const good = await pushMappings({
      'other.sub': [
        { subject: 'other.sub.v1', weight: 70 },
        { subject: 'other.sub.v2', weight: 30 },
      ],
    })
    expect(good.replies.map((r) => [r.server, r.ok])).toEqual([
      ['n1', true],
      ['n2', true],
    ])

    // A destination listed twice, and an unknown {{function}}: neither can be installed.
    const bad = await pushMappings({
      'other.sub': [
        { subject: 'other.sub.v1', weight: 50 },
        { subject: 'other.sub.v1', weight: 50 },
      ],
      'fn.sub': [{ subject: 'fn.sub.{{foo()}}', weight: 50 }],
    })
    const version = (await lattice(['status', '--servers', '--json'], t.env()).then((r) => json<ServersJson>(r)))
      .servers[0].version
    const v = parseVersion(version) ?? [0, 0, 0]
    const refusesAtPush = v[0] > 2 || (v[0] === 2 && v[1] >= 15) // 2.15.1 validates mappings at the push; 2.9.10 and 2.10.27 do not

    if (refusesAtPush) {
      expect(
        bad.replies.every((r) => !r.ok && /duplicate entry|unknown function/.test(r.message)),
        JSON.stringify(bad.replies),
      ).toBe(true)
      expect(await liveJwt(t.l)).toBe(good.jwt)
      const view = json<ServersJson>(await lattice(['status', '--servers', '--json'], t.env()))
      expect(view.servers.map((s) => [s.server, s.latest, s.installed])).toEqual([
        ['n1', true, true],
        ['n2', true, true],
      ])
      const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
      expect(shift.code, shift.stderr).toBe(0)
      return
    }

    // 2.9 / 2.10: both servers store the JWT and answer 200, and keep their previous other.sub.
    expect(bad.replies.map((r) => [r.server, r.ok, r.message])).toEqual([
      ['n1', true, 'jwt updated'],
      ['n2', true, 'jwt updated'],
    ])

    const view = json<ServersJson>(await lattice(['status', '--servers', '--json'], t.env()))
    expect(view.servers.map((s) => [s.server, s.latest, s.installed])).toEqual([
      ['n1', true, false],
      ['n2', true, false],
    ])
    for (const s of view.servers) {
      expect(s.differences).toEqual([
        { subject: 'fn.sub', jwt: [{ subject: 'fn.sub.{{foo()}}', weight: 50 }], runs: null },
        {
          subject: 'other.sub',
          jwt: [
            { subject: 'other.sub.v1', weight: 50 },
            { subject: 'other.sub.v1', weight: 50 },
          ],
          runs: [
            { subject: 'other.sub.v2', weight: 30 },
            { subject: 'other.sub.v1', weight: 70 },
          ],
        },
      ])
    }

    const text = await lattice(['status', '--servers'], t.env())
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      /SERVER +CLUSTER +VERSION +ACCOUNT +JWT IAT +LATEST +INSTALLED\n.*n1 .* yes +NO\n.*n2 .* yes +NO/,
    )
    expect(text.stdout).toContain(
      "n1 does not run its JWT's mapping of other.sub: the JWT says other.sub.v1 50%, other.sub.v1 50%, it runs other.sub.v2 30%, other.sub.v1 70%.",
    )
    expect(text.stdout).toContain(
      "n2 does not run its JWT's mapping of fn.sub: the JWT says fn.sub.{{foo()}} 50%, it runs no mapping.",
    )
    expect(text.stderr).toMatch(
      /Warning: n1 \(fn\.sub, other\.sub\), n2 \(fn\.sub, other\.sub\) do not run every mapping of their JWT as written/,
    )

    // lattice's push is acknowledged and its own mapping installed, but the servers still do
    // not run the JWT as written: exit 7, naming each server and subject.
    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
    expect(shift.code, shift.stderr).toBe(ExitCode.NOT_CONFIRMED)
    expect(shift.stderr).toContain(
      'NOT_CONFIRMED]: The servers acknowledged the new JWT, but n1 and n2 do not run it as written (the change itself is installed; other mappings of the JWT are not).',
    )
    expect(shift.stderr).toContain(
      'n1: fn.sub: the JWT says fn.sub.{{foo()}} 50%, it runs no mapping; other.sub: the JWT says other.sub.v1 50%, other.sub.v1 50%, it runs other.sub.v2 30%, other.sub.v1 70%',
    )
    expect(shift.stderr).toContain(
      'n2: fn.sub: the JWT says fn.sub.{{foo()}} 50%, it runs no mapping; other.sub: the JWT says other.sub.v1 50%, other.sub.v1 50%, it runs other.sub.v2 30%, other.sub.v1 70%',
    )
    expect(shift.stderr).toMatch(/Fix the mapping of fn\.sub, other\.sub in the account JWT/)
    // The change itself is live and installed everywhere: only the foreign subjects differ.
    const after = json<ServersJson>(await lattice(['status', '--servers', '--json'], t.env()))
    for (const s of after.servers) expect(s.differences?.map((d) => d.subject)).toEqual(['fn.sub', 'other.sub'])
    const routes = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.env()),
    ).routes
    expect(routes.find((r) => r.id === actor)?.weights).toEqual({ v1: 70, v2: 30 })

    const j = json<{
      error: {
        code: string
        exitCode: number
        details: {
          changeInstalled: boolean
          servers: { server: string; ok: boolean; installed: string; differences: Difference[] }[]
        }
      }
    }>(await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--json'], t.env()))
    expect(j.error.code).toBe('NOT_CONFIRMED')
    expect(j.error.details.changeInstalled).toBe(true)
    expect(
      j.error.details.servers.map((s) => [s.server, s.ok, s.installed, s.differences.map((d) => d.subject)]),
    ).toEqual([
      ['n1', true, 'no', ['fn.sub', 'other.sub']],
      ['n2', true, 'no', ['fn.sub', 'other.sub']],
    ])
  })
})
