/**
 * Real nats-server processes for tests: operator mode, full resolver, free ports, freshly
 * generated operator / system / application accounts with creds and key files.
 * Always stop them in `finally` / `afterEach`.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StorageType, connect, credsAuthenticator } from 'nats'
import {
  type Identity,
  JETSTREAM_LIMITS,
  OPEN_LIMITS,
  makeIdentity,
  seedText,
  writeCreds,
} from '../../src/dev/identity.js'

export { type Identity, JETSTREAM_LIMITS, OPEN_LIMITS, makeIdentity, writeCreds }
import { freePort, sleep, spawnServer, stopProc } from './server-process.js'

export { NATS_SERVER, freePort, sleep, spawnServer, stopProc } from './server-process.js'

export interface ServerNode {
  name: string
  clientUrl: string
  clusterPort?: number
  /** The cluster it belongs to (a supercluster: one per gateway). */
  cluster?: string
  gatewayPort?: number
  /** Where leaf nodes connect (with `leafnodes: true`). */
  leafUrl?: string
  proc?: ChildProcess
  configFile: string
}

export interface TestLattice {
  dir: string
  id: Identity
  nodes: ServerNode[]
  url: string
  /** All client URLs, comma-separated. */
  urls: string
  sysAccount: string
  appAccount: string
  operatorSeedFile: string
  signingKeySeedFile: string
  sysCredsFile: string
  appCredsFile: string
  /** Env vars that make `lattice` talk to this lattice with no flags. */
  env(): Record<string, string>
  stopNode(i: number): Promise<void>
  startNode(i: number): Promise<void>
  stop(): Promise<void>
}

export interface StartOptions {
  nodes?: number
  /** Extra config lines for every server. */
  extraConfig?: string
  identity?: Identity
  /**
   * Run JetStream, and give the application account JetStream limits (its creds are the state
   * creds). In a supercluster only the first cluster runs it: clusters that start apart elect
   * meta leaders apart, and the joined meta group then answered nothing for minutes (seen on 2.9).
   */
  jetstream?: boolean
  /** How often each full resolver syncs with the others (nats-server default 2m). */
  resolverInterval?: string
  /**
   * A supercluster: clusters joined by gateways, e.g. `{ east: 2, west: 2 }` (nodes e1, e2, w1,
   * w2: the first letter of the cluster's name and a number). Replaces `nodes`.
   */
  clusters?: Record<string, number>
  /** Every server accepts leaf node connections (`ServerNode.leafUrl`). */
  leafnodes?: boolean
}

export async function startLattice(opts: StartOptions = {}): Promise<TestLattice> {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-test-'))
  const id = opts.identity ?? (await makeIdentity(opts.jetstream ? JETSTREAM_LIMITS : OPEN_LIMITS))
  const operatorSeedFile = join(dir, 'operator.nk')
  const signingKeySeedFile = join(dir, 'operator-signing.nk')
  writeFileSync(operatorSeedFile, seedText(id.operator), { mode: 0o600 })
  writeFileSync(signingKeySeedFile, seedText(id.operatorSigningKey), { mode: 0o600 })
  writeFileSync(join(dir, 'operator.jwt'), id.operatorJwt)
  const sysCredsFile = join(dir, 'sys.creds')
  const appCredsFile = join(dir, 'app.creds')
  await writeCreds(sysCredsFile, id.sys, 'sys-user')
  await writeCreds(appCredsFile, id.app, 'app-user')

  const layout = opts.clusters ? Object.entries(opts.clusters) : [['test', opts.nodes ?? 1] as const]
  const nodes: ServerNode[] = []
  for (const [cluster, size] of layout) {
    for (let i = 1; i <= size; i++) {
      const name = opts.clusters ? `${cluster[0]}${i}` : `n${i}`
      nodes.push({
        name,
        clientUrl: '',
        configFile: join(dir, `${name}.conf`),
        ...(opts.clusters || size > 1 ? { cluster } : {}),
      })
    }
  }
  const n = nodes.length
  for (const node of nodes) {
    if (node.cluster) node.clusterPort = await freePort()
    if (opts.clusters) node.gatewayPort = await freePort()
    // The ports file does not list the leafnode port: pick it here.
    if (opts.leafnodes) node.leafUrl = `nats://127.0.0.1:${await freePort()}`
  }

  const writeConfig = (i: number, clientPort: string) => {
    const node = nodes[i]
    const nodeDir = join(dir, node.name)
    mkdirSync(join(nodeDir, 'jwt'), { recursive: true })
    const peers = nodes.filter((x) => x !== node && x.cluster === node.cluster)
    const cluster =
      node.cluster && (peers.length > 0 || opts.clusters)
        ? `cluster { name: "${node.cluster}", listen: "127.0.0.1:${node.clusterPort}", routes: [${peers.map((x) => `"nats-route://127.0.0.1:${x.clusterPort}"`).join(', ')}] }`
        : ''
    // Each gateway lists every cluster (its own too, as the NATS docs do) by one of its servers' gateway ports.
    const gateway = opts.clusters
      ? `gateway { name: "${node.cluster}", listen: "127.0.0.1:${node.gatewayPort}", gateways: [${layout
          .map(
            ([c]) =>
              `{ name: "${c}", urls: [${nodes
                .filter((x) => x.cluster === c)
                .map((x) => `"nats://127.0.0.1:${x.gatewayPort}"`)
                .join(', ')}] }`,
          )
          .join(', ')}] }`
      : ''
    const leafnodes = node.leafUrl ? `leafnodes { listen: "127.0.0.1:${new URL(node.leafUrl).port}" }` : ''
    writeFileSync(
      node.configFile,
      `server_name: "${node.name}"
listen: "127.0.0.1:${clientPort}"
http: "127.0.0.1:-1"
ports_file_dir: "${nodeDir}"
operator: "${join(dir, 'operator.jwt')}"
system_account: "${id.sys.getPublicKey()}"
resolver: { type: full, dir: "${join(nodeDir, 'jwt')}", allow_delete: false, interval: "${opts.resolverInterval ?? '2m'}" }
resolver_preload: {
  ${id.sys.getPublicKey()}: "${id.sysJwt}"
  ${id.app.getPublicKey()}: "${id.appJwt}"
}
${cluster}
${gateway}
${leafnodes}
${opts.jetstream && (!opts.clusters || node.cluster === layout[0][0]) ? `jetstream: { store_dir: "${join(nodeDir, 'js')}" }` : ''}
${opts.extraConfig ?? ''}
`,
    )
  }

  const launch = async (i: number) => {
    const node = nodes[i]
    const nodeDir = join(dir, node.name)
    for (const f of existsSync(nodeDir) ? readdirSync(nodeDir) : []) if (f.endsWith('.ports')) rmSync(join(nodeDir, f))
    const port = node.clientUrl ? new URL(node.clientUrl).port : '-1'
    writeConfig(i, port)
    const { proc, ports } = await spawnServer(node.configFile, nodeDir)
    node.proc = proc
    node.clientUrl = ports.nats[0]
    ;(node as ServerNode & { monitorUrl?: string }).monitorUrl = ports.monitoring?.[0]
  }

  const lattice: TestLattice = {
    dir,
    id,
    nodes,
    url: '',
    urls: '',
    sysAccount: id.sys.getPublicKey(),
    appAccount: id.app.getPublicKey(),
    operatorSeedFile,
    signingKeySeedFile,
    sysCredsFile,
    appCredsFile,
    env() {
      return {
        NATS_URL: lattice.urls,
        NATS_CREDS: sysCredsFile,
        LATTICE_SIGNING_KEY: operatorSeedFile,
        LATTICE_OPERATOR_JWT: join(dir, 'operator.jwt'),
        LATTICE_ACCOUNT: lattice.appAccount,
      }
    },
    async stopNode(i) {
      await stopProc(nodes[i].proc)
      nodes[i].proc = undefined
    },
    async startNode(i) {
      await launch(i)
      await waitForMesh(nodes)
    },
    async stop() {
      await Promise.all(nodes.map((node) => stopProc(node.proc)))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    for (let i = 0; i < n; i++) await launch(i)
    lattice.url = nodes[0].clientUrl
    lattice.urls = nodes.map((x) => x.clientUrl).join(',')
    await waitForMesh(nodes)
    if (opts.jetstream) {
      const replicas = opts.clusters ? layout[0][1] : n
      try {
        await waitForJetStream(lattice.urls, appCredsFile, replicas, 60_000)
      } catch {
        // A meta group that formed badly under load (2.10: no placement for minutes, three times in
        // two loaded matrix runs) starts afresh: every server again, same ports, no JetStream data yet.
        await Promise.all(nodes.map((node) => stopProc(node.proc)))
        for (const node of nodes) rmSync(join(dir, node.name, 'js'), { recursive: true, force: true })
        for (let i = 0; i < n; i++) await launch(i)
        await waitForMesh(nodes)
        await waitForJetStream(lattice.urls, appCredsFile, replicas, 90_000)
      }
    }
  } catch (e) {
    await lattice.stop()
    throw e
  }
  return lattice
}

/** Every running server has its routes to the rest of its cluster, and a gateway to every other cluster. */
async function waitForMesh(nodes: ServerNode[]): Promise<void> {
  const up = () => nodes.filter((x) => x.proc)
  const clusters = new Set(nodes.map((x) => x.cluster))
  const ready = async (x: ServerNode): Promise<boolean> => {
    const monitor = (x as ServerNode & { monitorUrl?: string }).monitorUrl
    const peers = up().filter((y) => y !== x && y.cluster === x.cluster).length
    const routes = await fetch(`${monitor}/routez`)
      .then((r) => r.json() as Promise<{ num_routes: number }>)
      .catch(() => ({ num_routes: -1 }))
    // 2.10 pools several routes per peer: at least one each.
    if (peers > 0 && routes.num_routes < peers) return false
    if (!x.gatewayPort) return true
    const gw = await fetch(`${monitor}/gatewayz`)
      .then((r) => r.json() as Promise<{ outbound_gateways?: Record<string, unknown> }>)
      .catch((): { outbound_gateways?: Record<string, unknown> } => ({}))
    const others = new Set(
      up()
        .filter((y) => y.cluster !== x.cluster)
        .map((y) => y.cluster),
    )
    return [...others].every((c) => c && gw.outbound_gateways?.[c])
  }
  if (nodes.length < 2 && clusters.size < 2) return
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if ((await Promise.all(up().map(ready))).every(Boolean)) return
    await sleep(50)
  }
  throw new Error('cluster routes or gateways did not form within 30 s')
}

/**
 * A clustered JetStream answers only once its meta leader is elected (seconds after start), and
 * places a stream on every server only once the leader has heard from each of them: until then
 * creating one with a replica per server fails with "no suitable peers for placement" (seen on
 * 2.10 for over 40 s on a loaded machine). Tests start once a probe stream with `replicas`
 * replicas can be created (then deleted): lattice's own wait for that (a leader election's 20 s)
 * is for clusters that have run for a while.
 */
async function waitForJetStream(urls: string, credsFile: string, replicas: number, withinMs: number): Promise<void> {
  const nc = await connect({ servers: urls.split(','), authenticator: credsAuthenticator(readFileSync(credsFile)) })
  const deadline = Date.now() + withinMs
  let last = ''
  try {
    while (Date.now() < deadline) {
      try {
        const jsm = await nc.jetstreamManager()
        if (replicas <= 1) return
        const name = 'test-placement-probe'
        await jsm.streams.add({ name, subjects: [`${name}.>`], num_replicas: replicas, storage: StorageType.Memory })
        await jsm.streams.delete(name)
        return
      } catch (e) {
        last = (e as Error).message // not ready yet
      }
      await sleep(250)
    }
    throw new Error(
      `JetStream could not place a stream on all ${replicas} servers within ${withinMs / 1000} s (last: ${last})`,
    )
  } finally {
    await nc.close()
  }
}
