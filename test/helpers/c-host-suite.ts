/**
 * The C host's integration files share this: a test lattice for the file, the C host built once,
 * C hosts and host-core hosts started in it (the C hosts stopped after each test, each cleanly),
 * and a client connection to call them and their control interface.
 */
import { type NatsConnection, createInbox } from 'nats'
import { afterEach, beforeAll, expect } from 'vitest'
import type { Host } from '../../src/host-core/index.js'
import { type CHost, buildCHost, cHostLatticeArgs, startCHost } from './c-host.js'
import { type LatticeFixture, useTestLattice } from './test-lattice.js'
import { callMany as callManyOn } from './traffic.js'

export interface CHostSuite {
  t: LatticeFixture
  /** The client connection (application account). */
  client: NatsConnection
  /** The C host binary (the "ok" build). */
  bin: string
  /** A C host in lattice "default" with `args` (stopped after the test, expected to exit 0). */
  cHost(args: string[], binary?: string): Promise<CHost>
  /** A host-core host `hostId` running `actor` at `version`, answering its version. */
  coreHost(hostId: string, actor: string, version: string): Promise<Host>
  /** `n` calls on `subject`: how many each version answered. */
  callMany(subject: string, n: number): Promise<Record<string, number>>
  /** A control-interface request with a JSON body, its JSON answer. */
  control(subject: string, body?: Record<string, unknown>): Promise<Record<string, any>>
  /** Replies to one message published on `subject` (more than one: two queue groups got it). */
  repliesTo(subject: string, expected: number): Promise<number>
}

export function useCHostSuite(): CHostSuite {
  const t = useTestLattice()
  const cHosts: CHost[] = []
  const suite = { t } as CHostSuite

  beforeAll(async () => {
    suite.bin = await buildCHost()
    suite.client = await t.connect()
  }, 180_000)
  afterEach(async () => {
    const codes = await Promise.all(cHosts.splice(0).map((h) => h.stop()))
    // SIGTERM is a clean stop: everything drained, exit 0.
    for (const c of codes) expect(c).toBe(0)
  })

  suite.cHost = async (args, binary = suite.bin) => {
    const h = await startCHost(binary, [...cHostLatticeArgs(t.l), ...args])
    cHosts.push(h)
    return h
  }
  suite.coreHost = async (hostId, actor, version) => {
    const host = await t.host(hostId, { servers: t.l.url, creds: t.l.appCredsFile, logger: false, metrics: false })
    await host.startActor({ id: actor, version, handler: (_m, ctx) => ctx.version })
    return host
  }
  suite.callMany = async (subject, n) =>
    (await callManyOn(suite.client, subject, n, { concurrency: 50, timeoutMs: 10_000 })).bodies
  suite.control = async (subject, body = {}) => {
    const r = await suite.client.request(subject, new TextEncoder().encode(JSON.stringify(body)), { timeout: 10_000 })
    return r.json()
  }
  suite.repliesTo = async (subject, expected) => {
    const client = suite.client
    const inbox = createInbox()
    let n = 0
    const sub = client.subscribe(inbox, { callback: () => n++ })
    await client.flush()
    client.publish(subject, undefined, { reply: inbox })
    await client.flush()
    // Wait for the expected replies (a loaded box may be slow), then a little longer for extra ones.
    const until = Date.now() + 10_000
    while (n < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 500))
    sub.unsubscribe()
    return n
  }
  return suite
}
