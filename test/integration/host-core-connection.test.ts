/** Host.start connecting by itself (servers and creds in any form) or on the caller's connection. */
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { HOST_CONNECTION_DEFAULTS, Host, HostError } from '../../src/host-core/index.js'
import { newActorId } from '../helpers/ids.js'
import { freePort } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice()
let client: NatsConnection
beforeAll(async () => {
  client = await t.connect()
})

describe('Host.start with servers and creds', () => {
  const serveOne = async (creds: string | Uint8Array) => {
    const actor = newActorId()
    const h = await t.host(undefined, { servers: t.l.url, creds, logger: false })
    await h.startActor({ id: actor, version: 'v1', handler: () => 'served' })
    expect((await client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 })).string()).toBe('served')
  }

  it('takes creds as a file path, as contents (string) and as bytes', async () => {
    await serveOne(t.l.appCredsFile)
    await serveOne(readFileSync(t.l.appCredsFile, 'utf8'))
    await serveOne(readFileSync(t.l.appCredsFile))
  })

  it('rejects a missing or non-creds file and broken contents clearly, never echoing them', async () => {
    const text = readFileSync(t.l.appCredsFile, 'utf8')
    const secretLines = text.split('\n').filter((x) => /^(eyJ|SU)/.test(x.trim()))
    expect(secretLines).toHaveLength(2) // the JWT and the seed
    const notCreds = join(t.l.dir, 'operator.jwt')
    const jwtOnly = text.slice(0, text.indexOf('------END NATS USER JWT------') + 30)
    writeFileSync(join(t.l.dir, 'seed-only.txt'), text.slice(text.indexOf('-----BEGIN USER NKEY SEED')))
    const cases: [string | Uint8Array, RegExp][] = [
      [join(t.l.dir, 'nope.creds'), /creds file ".*nope\.creds" does not exist/],
      [t.l.dir, /is a directory/],
      [
        notCreds,
        /The file ".*operator\.jwt" is not a NATS creds file: it must start with "-----BEGIN NATS USER JWT-----"/,
      ],
      [join(t.l.dir, 'seed-only.txt'), /is not a NATS creds file/],
      [jwtOnly, /no "-----BEGIN USER NKEY SEED-----" block/],
      [new TextEncoder().encode('hello'), /not the contents of a NATS creds file/],
      [secretLines[1].trim(), /creds file \(not shown: it looks like a secret, not a path\) does not exist/],
    ]
    for (const [creds, message] of cases) {
      const err = await Host.start({ servers: t.l.url, creds, logger: false }).catch((e) => e)
      expect(err, String(message)).toBeInstanceOf(HostError)
      expect(err.code).toBe('BAD_CREDS')
      expect(err.message).toMatch(message)
      for (const secret of secretLines) expect(err.message).not.toContain(secret.trim())
    }
  })

  it('names the connection failure, and refuses nc together with servers', async () => {
    const port = await freePort()
    await expect(Host.start({ servers: `nats://user:hunter2@127.0.0.1:${port}`, logger: false })).rejects.toMatchObject(
      {
        code: 'CONNECT_FAILED',
        message: expect.not.stringContaining('hunter2'),
      },
    )
    await expect(Host.start({ nc: client, servers: t.l.url, logger: false })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: /either nc .* or servers/,
    })
    await expect(Host.start({ creds: t.l.appCredsFile, logger: false })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: /needs either nc, or servers/,
    })
  })

  it('on your own connection (as docs/host-core.md shows): HOST_CONNECTION_DEFAULTS spread in, and close() leaves it open', async () => {
    const nc = await connect({
      ...HOST_CONNECTION_DEFAULTS,
      servers: [t.l.url],
      authenticator: credsAuthenticator(readFileSync(t.l.appCredsFile)),
      name: 'orders-host-a',
    })
    t.track('conn', () => nc.close())
    const actor = newActorId()
    const h = await Host.start({ nc, lattice: 'default', hostId: 'own-conn', logger: false })
    await h.startActor({ id: actor, version: 'v1', handler: () => 'mine' })
    expect((await client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 })).string()).toBe('mine')
    await h.close()
    expect(nc.isClosed()).toBe(false)
    await nc.flush()
  })

  it('passes connectionOptions through, under servers and creds', async () => {
    await t.host(undefined, {
      servers: t.l.url,
      creds: t.l.appCredsFile,
      connectionOptions: { name: 'my-host', servers: 'nats://127.0.0.1:1' },
      logger: false,
    })
    const monitor = (t.l.nodes[0] as { monitorUrl?: string }).monitorUrl
    const names = (
      (await (await fetch(`${monitor}/connz?limit=1000`)).json()) as { connections: { name?: string }[] }
    ).connections.map((c) => c.name)
    expect(names).toContain('my-host')
  })
})
