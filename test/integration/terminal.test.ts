/**
 * Text that reaches lattice from elsewhere cannot drive the terminal (issue #29, item 4): a
 * version another tool wrote into a mapping, carrying a title change and a screen clear, is
 * shown escaped by `lattice status`, and exactly by `--json`; a name longer than lattice takes
 * is refused before anything is printed or contacted.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { type Connection, openConnection } from '../../src/resolver/connection.js'
import { unversionedSubject, versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { mappingPusher } from '../helpers/push-mappings.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice()
let sys: Connection
const push = mappingPusher(
  () => t.l,
  () => sys,
)

beforeAll(async () => {
  sys = await openConnection({ servers: t.l.url, creds: readCreds(t.l.sysCredsFile) })
  t.track('conn', () => sys.close())
  await t.connect() // the server installs an account's mappings once a client of it connects
})
describe('foreign text on the terminal', () => {
  it("a version with escape sequences from another tool's mapping is shown escaped; --json keeps it exact", async () => {
    const actor = { kind: 'actor' as const, id: newActorId() }
    const evil = 'v2\x1b]0;PWNED-TITLE\x07\x1b[2J\u202e'
    const { reply } = await push({
      [unversionedSubject('default', actor)]: [
        { subject: versionedSubject('default', actor, 'v1'), weight: 50 },
        { subject: versionedSubject('default', actor, evil), weight: 50 },
      ],
    })
    expect(reply.ok).toBe(true)
    const human = await lattice(['status'], t.l.env())
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toContain('v2\\u001b]0;PWNED-TITLE\\u0007\\u001b[2J\\u202e')
    expect(human.stdout).not.toMatch(/[\x07\x1b\u202e]/)
    const st = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
      await lattice(['status', '--json'], t.l.env()),
    )
    expect(st.routes.find((r) => r.id === actor.id)?.weights).toEqual({ v1: 50, [evil]: 50 })
  })

  it('a lattice name longer than 128 bytes is refused before anything is contacted', async () => {
    const r = await lattice(['status', '--lattice', 'x'.repeat(100_000)], {
      ...t.l.env(),
      NATS_URL: 'nats://127.0.0.1:1',
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/it is 100000 bytes long \(lattice takes at most 128\)/)
    expect(r.stderr.length).toBeLessThan(2000)
  })
})
