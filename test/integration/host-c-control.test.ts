/**
 * The C host's control interface (examples/host-c): inventory, scale, stop and start answered as
 * the host protocol says, ambiguity and bad requests refused with their codes. Needs libnats-dev
 * (see host-c.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { versionToken } from '../../src/subjects/index.js'
import { useCHostSuite } from '../helpers/c-host-suite.js'
import { newActorId } from '../helpers/ids.js'
import { skipIf, skips } from '../helpers/skips.js'

const suite = useCHostSuite()
const { cHost, control } = suite

describe('C host (libnats) control interface', skipIf(skips.noLibnats()), () => {
  it('answers inventory, scale, stop, start and ambiguity as the protocol says', async () => {
    const actor = newActorId()
    const weird = 'rc~~~' // its token has a '-': base64url, not base64
    await cHost([
      '--host-id',
      'c-inv',
      '--actor',
      actor,
      '--version',
      'v1',
      '--actor',
      actor,
      '--version',
      weird,
      '--count',
      '2',
    ])
    const u = `wasmbus.rpc.default.${actor}`
    expect(versionToken(weird)).toBe('cmN-fn4')
    const inv = await control('wasmbus.ctl.default.get.c-inv.inv')
    expect(inv).toEqual({
      accepted: true,
      hostId: 'c-inv',
      lattice: 'default',
      entities: [
        { kind: 'actor', id: actor, version: 'v1', count: 1, subjects: [u, `${u}.${versionToken('v1')}`] },
        { kind: 'actor', id: actor, version: weird, count: 2, subjects: [u, `${u}.${versionToken(weird)}`] },
      ],
    })
    // Each versioned subject reaches its version.
    expect((await suite.client.request(`${u}.${versionToken(weird)}`, undefined, { timeout: 5000 })).string()).toBe(
      weird,
    )
    expect((await suite.client.request(`${u}.djE`, undefined, { timeout: 5000 })).string()).toBe('v1')

    const cmd = (c: string) => `wasmbus.ctl.default.cmd.c-inv.${c}`
    const ambiguous = await control(cmd('stop'), { kind: 'actor', id: actor })
    expect(ambiguous).toMatchObject({ accepted: false, code: 'AMBIGUOUS_VERSION', versions: ['v1', weird] })
    expect(ambiguous.error).toMatch(/several versions/i)
    expect(await control(cmd('scale'), { id: actor, count: 3 })).toMatchObject({
      accepted: false,
      code: 'AMBIGUOUS_VERSION',
    })
    expect(await control(cmd('stop'), { kind: 'actor', id: newActorId() })).toMatchObject({
      accepted: false,
      code: 'NOT_RUNNING',
    })
    expect(await control(cmd('stop'), { id: actor, version: 'v9' })).toMatchObject({
      accepted: false,
      code: 'NOT_RUNNING',
      versions: ['v1', weird],
    })
    expect(await control(cmd('start'), { id: actor, version: 'v3' })).toMatchObject({
      accepted: false,
      code: 'NO_HANDLER',
    })
    expect(await control(cmd('scale'), { id: actor, version: 'v1' })).toMatchObject({
      accepted: false,
      code: 'INVALID_REQUEST',
    })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 1.5 })).toMatchObject({
      accepted: false,
      code: 'INVALID_REQUEST',
    })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 65 })).toMatchObject({
      accepted: false,
      code: 'INVALID_REQUEST',
      error: expect.stringMatching(/0 to 64/),
    })
    const notJson = await suite.client.request(cmd('stop'), new TextEncoder().encode('{"id": '), { timeout: 5000 })
    expect(notJson.json()).toMatchObject({ accepted: false, code: 'INVALID_REQUEST' })

    const raw = async (c: string, body: string) =>
      (await suite.client.request(cmd(c), new TextEncoder().encode(body), { timeout: 5000 })).json<
        Record<string, unknown>
      >()
    expect(await raw('scale', `{"id":"${actor}","version":"v1","count":2,"extra":{"nested":1}}`)).toMatchObject({
      accepted: false,
      code: 'INVALID_REQUEST',
    })
    expect(await raw('scale', `{"id":"${actor}","version":7,"count":2}`)).toMatchObject({
      accepted: false,
      code: 'INVALID_REQUEST',
    })
    // JSON escapes are decoded ("\u0076\u0031" is "v1"), whitespace and unknown fields are fine.
    expect(
      await raw(
        'scale',
        ` { "id" : "${actor}", "version": "\\u0076\\u0031", "count": 2, "note": "a \\"quoted\\" \\ud83d\\ude00", "dry": false } `,
      ),
    ).toMatchObject({
      accepted: true,
      inventory: { version: 'v1', count: 2 },
    })
    expect(await control(cmd('scale'), { id: actor, version: 'v1', count: 3 })).toEqual({
      accepted: true,
      inventory: { kind: 'actor', id: actor, version: 'v1', count: 3, subjects: [u, `${u}.djE`] },
    })
    expect(await control(cmd('stop'), { kind: 'actor', id: actor, version: weird })).toMatchObject({
      accepted: true,
      stopped: { version: weird, count: 0 },
    })
    const after = await control('wasmbus.ctl.default.get.c-inv.inv')
    expect(after.entities).toEqual([{ kind: 'actor', id: actor, version: 'v1', count: 3, subjects: [u, `${u}.djE`] }])
    // The stopped version no longer answers; with one version left, no version is needed.
    await expect(suite.client.request(`${u}.${versionToken(weird)}`, undefined, { timeout: 5000 })).rejects.toThrow(
      /503|no responders/i,
    )
    expect(await control(cmd('stop'), { id: actor })).toMatchObject({
      accepted: true,
      stopped: { version: 'v1', count: 0 },
    })
    expect((await control('wasmbus.ctl.default.get.c-inv.inv')).entities).toEqual([])
    const ping = await suite.client.request('wasmbus.ctl.default.ping.hosts', undefined, { timeout: 5000 })
    expect(ping.json()).toMatchObject({ hostId: 'c-inv', lattice: 'default', entities: 0 })
  })
})
