/**
 * docs/wasmcloud.md's samples: two emulated wasmCloud 1.x hosts (test/helpers/wasmcloud.ts)
 * serving component IDs hello and hello-v2, a linked caller making calls; check, shift, verify,
 * swap, fault, prune. Component routes need nats-server 2.9.22+ (the doc's samples come from
 * 2.10.27): on an older server under test this file is skipped, and
 * `LATTICE_NATS_SERVER=.cache/nats-servers/2.10.27/nats-server npm run docs:samples` regenerates them.
 */
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NatsConnection } from 'nats'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'
import { appConnection } from '../helpers/traffic.js'
import { EmulatedCaller, EmulatedHost, type ServedComponent } from '../helpers/wasmcloud.js'
import { expectSample } from './sample.js'
import { type Scene, startScene } from './scene.js'

describe('wasmCloud 1.x components (nats-server 2.9.22+)', skipIf(skips.serverOlderThan('2.9.22')), () => {
  let s: Scene
  const conns: NatsConnection[] = []
  const hosts: EmulatedHost[] = []
  const canaries: ServedComponent[] = []
  let caller: EmulatedCaller
  let calling = true
  let calls: Promise<void>
  beforeAll(async () => {
    s = await startScene()
    for (let i = 0; i < 3; i++) conns.push(await appConnection(s.l.url, s.l.appCredsFile))
    for (const nc of conns.slice(0, 2)) {
      const host = new EmulatedHost(nc)
      await host.serve('hello')
      canaries.push(await host.serve('hello-v2'))
      hosts.push(host)
    }
    caller = new EmulatedCaller(conns[2])
    calls = (async () => {
      while (calling) await caller.invokeMany('hello', 50, 10)
    })()
  }, 120_000)
  afterAll(async () => {
    calling = false
    await calls
    caller?.close()
    for (const h of hosts) await h.close()
    for (const nc of conns) await nc.close()
    await s?.stop()
  })

  it('check both IDs are served; shift a share; verify it', async () => {
    const t = s.transcript()
    await t.run('lattice shift component hello --from hello --to hello-v2 --weight 10 --dry-run')
    t.gap()
    await t.run('lattice status')
    expectSample('wasmcloud/check', t.text())
    t.reset()
    await t.run('lattice shift component hello --from hello --to hello-v2 --weight 10')
    t.gap()
    await t.run('lattice status')
    t.gap()
    await t.run('lattice verify component hello --window 5s')
    expectSample('wasmcloud/shift', t.text())
  }, 60_000)

  it('a rollout whose canary fails 3 calls in 10, rolled back by its smoke test', async () => {
    // The smoke test: test/fixtures/wasmcloud-smoke.ts, 50 calls straight to the canary's ID.
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))
    const smoke = fileURLToPath(new URL('../fixtures/wasmcloud-smoke.ts', import.meta.url))
    s.write(
      'smoke-test.sh',
      `#!/bin/sh\nSMOKE_NATS_URL='${s.l.url}' SMOKE_CREDS='${s.l.appCredsFile}' exec '${process.execPath}' --import '${tsx}' '${smoke}'\n`,
    )
    chmodSync(join(s.dir, 'smoke-test.sh'), 0o755)
    for (const c of canaries) c.failRate = 0.3
    try {
      const t = s.transcript()
      await t.run(
        'lattice rollout component hello --from hello --to hello-v2 --steps 10,25,50,100 --interval 3s --gate-cmd ./smoke-test.sh',
        { code: 10, showExit: true },
      )
      expectSample('wasmcloud/rollout', t.text())
    } finally {
      for (const c of canaries) c.failRate = 0
    }
  }, 60_000)

  it('blue/green swap, a fault and its clearing, the mapping pruned', async () => {
    const t = s.transcript()
    s.write(
      'lattice.yaml',
      'lattice: default\nenvironments:\n  blue:\n    components: { hello: hello }\n  green:\n    components: { hello: hello-v2 }\nlive: blue\n',
    )
    await t.run('lattice apply', { hidden: true })
    await t.run('lattice swap blue green')
    expectSample('wasmcloud/swap', t.text())
    t.reset()
    await t.run('lattice fault component hello --drop 20')
    t.gap()
    await t.run('lattice status')
    t.gap()
    await t.run('lattice fault clear hello')
    expectSample('wasmcloud/fault', t.text())
    t.reset()
    s.write('empty.yaml', 'lattice: default\n')
    t.note('$ cat empty.yaml')
    t.note('lattice: default')
    await t.run('lattice apply -f empty.yaml --prune')
    expectSample('wasmcloud/prune', t.text())
  }, 60_000)
})
