/**
 * A leaf node beside a test lattice, set up the ways operators set them up (docs/topologies.md):
 *   app-only      operator mode, MEMORY resolver preloaded, one remote with an application user
 *   system-full   operator mode, full resolver, a second remote for the system account
 *   system-cache  the same with a cache resolver
 *   plain         no operator mode (`wash up --nats-remote-url` style): a local account bound to
 *                 the hub's application account by the remote's creds
 *   plain-system  plain, and its system account bound to the hub's by a second remote
 * Stop it in `finally` / `afterEach` (its process is killed by PID).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
import { readFileSync } from 'node:fs'
import type { TestLattice } from './nats-server.js'
import { spawnServer, stopProc } from './server-process.js'
import type { ChildProcess } from 'node:child_process'

export type LeafMode = 'app-only' | 'system-full' | 'system-cache' | 'plain' | 'plain-system'

export interface TestLeaf {
  name: string
  mode: LeafMode
  url: string
  /** A client of the application account on this leaf. */
  connect(): Promise<NatsConnection>
  stop(): Promise<void>
}

/** Start a leaf named `name` whose remotes point at `hub`'s server `hubNode` (default the first). */
export async function startLeaf(hub: TestLattice, name: string, mode: LeafMode, hubNode = 0): Promise<TestLeaf> {
  const leafUrl = hub.nodes[hubNode].leafUrl
  if (!leafUrl) throw new Error('startLeaf needs startLattice({ leafnodes: true })')
  const dir = join(hub.dir, name)
  mkdirSync(join(dir, 'jwt'), { recursive: true })
  const remote = (creds: string, account: string) =>
    `{ url: "${leafUrl.replace(/^nats:/, 'nats-leaf:')}", credentials: "${creds}", account: "${account}" }`
  const sys = hub.sysAccount
  const app = hub.appAccount
  const operator = `operator: "${join(hub.dir, 'operator.jwt')}"\nsystem_account: "${sys}"\n`
  const preload = `resolver_preload: {\n  ${sys}: "${hub.id.sysJwt}"\n  ${app}: "${hub.id.appJwt}"\n}\n`
  const body: Record<LeafMode, string> = {
    'app-only': `${operator}resolver: MEMORY\n${preload}leafnodes { remotes: [ ${remote(hub.appCredsFile, app)} ] }`,
    'system-full': `${operator}resolver: { type: full, dir: "${join(dir, 'jwt')}" }\n${preload}leafnodes { remotes: [ ${remote(hub.appCredsFile, app)}, ${remote(hub.sysCredsFile, sys)} ] }`,
    'system-cache': `${operator}resolver: { type: cache, dir: "${join(dir, 'jwt')}", ttl: "1h" }\n${preload}leafnodes { remotes: [ ${remote(hub.appCredsFile, app)}, ${remote(hub.sysCredsFile, sys)} ] }`,
    plain: `accounts: { APP: { users: [ { user: app, password: app } ] } }\nleafnodes { remotes: [ ${remote(hub.appCredsFile, 'APP')} ] }`,
    'plain-system': `accounts: { APP: { users: [ { user: app, password: app } ] }, SYS: { users: [ { user: sys, password: sys } ] } }\nsystem_account: SYS\nleafnodes { remotes: [ ${remote(hub.appCredsFile, 'APP')}, ${remote(hub.sysCredsFile, 'SYS')} ] }`,
  }
  const configFile = join(dir, 'leaf.conf')
  writeFileSync(
    configFile,
    `server_name: "${name}"\nlisten: "127.0.0.1:-1"\nhttp: "127.0.0.1:-1"\nports_file_dir: "${dir}"\n${body[mode]}\n`,
  )
  const { proc, ports } = await spawnServer(configFile, dir)
  const url = ports.nats[0]
  const leaf: TestLeaf = {
    name,
    mode,
    url,
    connect: () =>
      mode.startsWith('plain')
        ? connect({ servers: url, user: 'app', pass: 'app' })
        : connect({ servers: url, authenticator: credsAuthenticator(readFileSync(hub.appCredsFile)) }),
    stop: () => stopProc(proc as ChildProcess),
  }
  try {
    await waitForLeaf(ports.monitoring?.[0], mode.endsWith('-system') || mode.startsWith('system') ? 2 : 1)
  } catch (e) {
    await leaf.stop()
    throw e
  }
  return leaf
}

/** The leaf's remotes are connected (its own /leafz lists each). */
async function waitForLeaf(monitor: string | undefined, remotes: number): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const z = await fetch(`${monitor}/leafz`)
      .then((r) => r.json() as Promise<{ leafnodes?: number }>)
      .catch(() => ({ leafnodes: 0 }))
    if ((z.leafnodes ?? 0) >= remotes) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`leaf node did not connect its ${remotes} remote(s) within 30 s`)
}
