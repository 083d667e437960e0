/**
 * What guards a host against users of its account (issue #29, item 2): maxInstances, and the
 * subject permissions of docs/host-core.md that keep a caller off the control and metrics subjects.
 */
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
import { encodeUser, fmtCreds } from 'nats-jwt'
import { createUser } from 'nkeys.js'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MAX_INSTANCES } from '../../src/host-core/index.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice()
let client: NatsConnection
beforeAll(async () => {
  client = await t.connect()
})

describe('host limits and permissions', () => {
  const ctl = async (subject: string, body: unknown) =>
    JSON.parse((await client.request(subject, JSON.stringify(body), { timeout: 3000 })).string())

  it('refuses a start or scale beyond maxInstances (default DEFAULT_MAX_INSTANCES), changing nothing', async () => {
    const actor = newActorId()
    await t.host('host-max', { handlerFactory: () => () => 'ok' })
    let r = await ctl('wasmbus.ctl.default.cmd.host-max.start', { id: actor, version: 'v1', count: 2 })
    expect(r).toMatchObject({ accepted: true })
    r = await ctl('wasmbus.ctl.default.cmd.host-max.scale', { id: actor, count: 20_000 })
    expect(r).toMatchObject({
      accepted: false,
      code: 'TOO_MANY_INSTANCES',
      running: 2,
      requested: 19_998,
      maxInstances: DEFAULT_MAX_INSTANCES,
    })
    expect(r.error).toMatch(/Host host-max runs 2 instances; 19998 more would pass its limit of 100 \(maxInstances\)/)
    r = await ctl('wasmbus.ctl.default.cmd.host-max.start', {
      id: newActorId(),
      version: 'v1',
      count: DEFAULT_MAX_INSTANCES - 1,
    })
    expect(r).toMatchObject({ accepted: false, code: 'TOO_MANY_INSTANCES' })
    expect((await ctl('wasmbus.ctl.default.get.host-max.inv', {})).entities).toEqual([
      expect.objectContaining({ id: actor, count: 2 }),
    ])
    const small = await t.host('host-small', { maxInstances: 3, handlerFactory: () => () => 'ok' })
    await expect(
      small.startActor({ id: newActorId(), version: 'v1', count: 4, handler: () => 'x' }),
    ).rejects.toMatchObject({ code: 'TOO_MANY_INSTANCES' })
    expect(
      (await ctl('wasmbus.ctl.default.cmd.host-small.start', { id: actor, version: 'v1', count: 3 })).accepted,
    ).toBe(true)
  })

  it('a caller user with the allow lists of docs/host-core.md calls the actor and cannot reach the control subjects', async () => {
    const actor = newActorId()
    const h = await t.host('host-perm')
    await h.startActor({ id: actor, version: 'v1', handler: () => 'v1' })
    const user = createUser()
    const jwt = await encodeUser('caller', user, t.l.id.app, {
      pub: { allow: ['wasmbus.rpc.default.>'] },
      sub: { allow: ['_INBOX.>'] },
    } as never)
    const creds = join(t.l.dir, 'caller.creds')
    writeFileSync(creds, fmtCreds(jwt, user), { mode: 0o600 })
    const errors: string[] = []
    const caller = await connect({ servers: t.l.url, authenticator: credsAuthenticator(readFileSync(creds)) })
    t.track('conn', () => caller.close())
    ;(async () => {
      for await (const s of caller.status()) {
        // The server's -ERR 'Permissions Violation for Publish to ...', as nats.js hands it on.
        const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext
        if (s.type === 'error' && ctx) errors.push(`${ctx.operation} ${ctx.subject}`)
      }
    })().catch(() => undefined)
    expect((await caller.request(`wasmbus.rpc.default.${actor}`, '', { timeout: 3000 })).string()).toBe('v1')
    caller.publish('wasmbus.ctl.default.cmd.host-perm.stop', JSON.stringify({ id: actor }))
    caller.publish('wasmbus.metrics.default.host-perm', '{}')
    await caller.flush()
    await new Promise((r) => setTimeout(r, 300))
    expect(errors).toEqual([
      'publish wasmbus.ctl.default.cmd.host-perm.stop',
      'publish wasmbus.metrics.default.host-perm',
    ])
    expect(h.inventory()).toEqual([expect.objectContaining({ id: actor, count: 1 })])
  })
})
