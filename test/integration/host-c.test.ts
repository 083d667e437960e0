/**
 * A host written in C (examples/host-c, libnats) from the host protocol alone, in one lattice
 * with a host-core host: lattice steers traffic between them, the control interface answers as
 * host-core's does, failures carry the NATS service-error headers. Needs libnats-dev: without it
 * this file fails with the install hint (scripts/ensure-libnats.js installs it for npm test), or,
 * with LATTICE_NO_INSTALL set, is skipped (test/helpers/skips.ts).
 */
import { describe, expect, it } from 'vitest'
import { startCHost } from '../helpers/c-host.js'
import { useCHostSuite } from '../helpers/c-host-suite.js'
import { lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { skipIf, skips } from '../helpers/skips.js'

const suite = useCHostSuite()
const { t, cHost, coreHost, callMany, control } = suite

describe('C host (libnats)', skipIf(skips.noLibnats()), () => {
  it('serves v2 beside a host-core v1: lattice shift steers 30% then 100% to it', async () => {
    const actor = newActorId()
    await coreHost('core-a', actor, 'v1')
    const c = await cHost(['--host-id', 'c-b', '--actor', actor, '--version', 'v2', '--count', '2', '--reply', 'v2'])
    expect(c.readyLine).toMatch(/^host-c ready: host c-b lattice default; actor \S+ version v2 x2/)
    const subject = `wasmbus.rpc.default.${actor}`

    // No --force: the readiness gate must see subscribers on both versioned subjects (one from C).
    const shift = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.l.env())
    expect(shift.code, shift.stderr).toBe(0)
    const n = 4000
    const counts = await callMany(subject, n)
    expect(counts.v1 + counts.v2).toBe(n)
    expect(Math.abs((100 * counts.v2) / n - 30)).toBeLessThanOrEqual(3)

    const all = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '100'], t.l.env())
    expect(all.code, all.stderr).toBe(0)
    expect(await callMany(subject, 500)).toEqual({ v2: 500 })
  })

  it('answers a failed call with Nats-Service-Error headers and an empty body', async () => {
    const actor = newActorId()
    await cHost(['--host-id', 'c-fail', '--actor', actor, '--version', 'v2', '--fail-every', '3'])
    const results = []
    for (let i = 0; i < 6; i++)
      results.push(await suite.client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 }))
    const failed = results.filter((r) => r.headers?.get('Nats-Service-Error'))
    expect(failed).toHaveLength(2)
    for (const r of failed) {
      expect(r.headers!.get('Nats-Service-Error-Code')).toBe('500')
      expect(r.headers!.get('Nats-Service-Error')).toMatch(/injected failure/)
      expect(r.data.length).toBe(0)
    }
    expect(results.filter((r) => !r.headers).map((r) => r.string())).toEqual(['v2', 'v2', 'v2', 'v2'])
  })

  it('drains on stop: calls already delivered are answered', async () => {
    const actor = newActorId()
    // One instance taking 100 ms a call: the calls queue up in the host when the stop arrives.
    await cHost(['--host-id', 'c-drain', '--actor', actor, '--version', 'v1', '--delay-ms', '100'])
    const calls = Array.from({ length: 20 }, () =>
      suite.client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 20_000 }).then(
        (m) => m.string(),
        (e: Error) => e.message,
      ),
    )
    // Published after the calls on the same connection: the host gets them first.
    const stopped = await control('wasmbus.ctl.default.cmd.c-drain.stop', { id: actor })
    expect(stopped).toMatchObject({ accepted: true, stopped: { count: 0 } })
    expect(await Promise.all(calls)).toEqual(Array(20).fill('v1'))
    await expect(suite.client.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 })).rejects.toThrow(
      /503|no responders/i,
    )
  })

  it('refuses a version that is not ASCII, saying why', async () => {
    await expect(
      startCHost(suite.bin, [
        '--servers',
        t.l.url,
        '--creds',
        t.l.appCredsFile,
        '--actor',
        newActorId(),
        '--version',
        'caf\u00e9',
      ]),
    ).rejects.toThrow(/not ASCII.*NFC/)
  })
})
