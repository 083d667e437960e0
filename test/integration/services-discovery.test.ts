/**
 * `lattice status` lists the services of the account as their instances announce themselves on
 * $SRV.INFO: real services written with nats.js's services framework and nats.go's micro (when Go
 * is installed), on a real server in operator mode, seen with application-account creds.
 */
import { beforeAll, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { goMissing, goService, jsService } from '../helpers/services.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ appCreds: true })
const GO = goMissing()

beforeAll(async () => {
  // calc 1.0.0 (two instances) on calc.*, 1.1.0 on its own subjects, 1.2.0 wrongly on 1.0.0's.
  for (let i = 0; i < 2; i++)
    await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.2.0', group: 'calc', endpoints: ['add'] })
  if (!GO) await goService(t, { name: 'gocalc', version: '0.9.0', subject: 'gocalc.add' })
}, 120_000)

interface StatusJson {
  services: {
    services: {
      name: string
      versions: {
        version: string
        instances: string[]
        endpoints: { name: string; subject: string; queueGroup: string }[]
      }[]
      shared: { subject: string; versions: string[] }[]
    }[]
    refused: string[]
  }
}

it('lists each service, its versions with instances and endpoint subjects, and the subjects versions share', async () => {
  const s = json<StatusJson>(await lattice(['status', '--json'], t.env()))
  const calc = s.services.services.find((x) => x.name === 'calc')
  expect(calc?.versions.map((v) => [v.version, v.instances.length])).toEqual([
    ['1.0.0', 2],
    ['1.1.0', 1],
    ['1.2.0', 1],
  ])
  expect(calc?.versions[1].endpoints).toEqual([
    { name: 'add', subject: 'v1_1_0.calc.add', queueGroup: 'q' },
    { name: 'echo', subject: 'v1_1_0.calc.echo', queueGroup: 'q' },
  ])
  expect(calc?.shared).toEqual([{ subject: 'calc.add', versions: ['1.0.0', '1.2.0'] }])
  expect(s.services.refused).toEqual([])

  const text = await lattice(['status'], t.env())
  expect(text.code, text.stderr).toBe(0)
  expect(text.stdout).toMatch(/SERVICE +VERSION +INSTANCES +ENDPOINT +SUBJECT +QUEUE\n/)
  expect(text.stdout).toMatch(/calc +1\.1\.0 +1 +add +v1_1_0\.calc\.add +q\n/)
  expect(text.stdout).toContain('calc: calc.add is served by 1.0.0 and 1.2.0: not steerable')
})

it.skipIf(GO)(
  `a Go service on nats.go's micro (its older protocol: one endpoint) is listed too${GO ? ` (skipped: ${GO})` : ''}`,
  async () => {
    const s = json<StatusJson>(await lattice(['status', '--json'], t.env()))
    expect(s.services.services.find((x) => x.name === 'gocalc')?.versions).toMatchObject([
      { version: '0.9.0', endpoints: [{ name: 'gocalc', subject: 'gocalc.add', queueGroup: 'q' }] },
    ])
  },
)

it('a hostile answer on $SRV.INFO is left out and said so; the real services are still listed', async () => {
  const nc = await t.connect()
  const sub = nc.subscribe('$SRV.INFO')
  void (async () => {
    for await (const m of sub) m.respond(JSON.stringify({ name: 'evil', id: 'x', version: '1', endpoints: 'all' }))
  })()
  await nc.flush()
  const s = json<StatusJson>(await lattice(['status', '--json'], t.env()))
  sub.unsubscribe()
  expect(s.services.refused).toEqual(['version "1" is not a semantic version'])
  expect(s.services.services.map((x) => x.name)).toContain('calc')
})
