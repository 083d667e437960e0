/**
 * The keys, creds and nats-server config of a lattice deployment, written into one directory:
 * `lattice init` writes them for a real server, `lattice dev up` for its local one (on loopback,
 * any free port). One operator (with a signing key), a system account and an application account
 * with JetStream limits (the state bucket lives there), and a user per purpose. Seed and creds
 * files are mode 0600 and never printed.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { JETSTREAM_LIMITS, makeIdentity, seedText, writeCreds } from './identity.js'

/** Every file written, by role. The jwt/ (resolver) and js/ (JetStream) directories are the server's. */
export const DEPLOYMENT_FILES = {
  serverConf: 'server.conf',
  operatorJwt: 'operator.jwt',
  /** The operator's identity seed: only needed to change the operator (keep it offline). */
  operatorSeed: 'operator.nk',
  /** An operator signing key's seed: what lattice signs account JWTs with (LATTICE_SIGNING_KEY). */
  signingKey: 'signing.nk',
  /** The accounts' seeds: to issue more users (per host, least privilege). */
  sysAccountSeed: 'sys-account.nk',
  appAccountSeed: 'app-account.nk',
  /** A system-account user: lattice pushes and reads account JWTs (NATS_CREDS). */
  sysCreds: 'sys.creds',
  /** Application-account users: the state bucket, observing traffic, and hosts. */
  stateCreds: 'state.creds',
  appCreds: 'app.creds',
  hostCreds: 'host.creds',
} as const
export type DeploymentFile = keyof typeof DEPLOYMENT_FILES
export const SERVER_DIRS = ['jwt', 'js']

export interface DeploymentOptions {
  /** nats-server's `listen` (host:port; port -1 for any free one). */
  listen: string
  serverName: string
  operatorName: string
  /** Where the server writes its ports file (the local lattice finds its port there). */
  portsFileDir?: string
}

export interface Deployment {
  dir: string
  listen: string
  files: Record<DeploymentFile, string>
  /** Public keys only. */
  keys: {
    operator: string
    signingKey: string
    systemAccount: string
    appAccount: string
    users: { sys: string; state: string; app: string; host: string }
  }
}

function writeSecret(file: string, text: string): void {
  rmSync(file, { force: true }) // a file that existed keeps its mode: write a new one
  writeFileSync(file, text, { mode: 0o600 })
  chmodSync(file, 0o600) // whatever the umask
}

/** Write a fresh deployment into `dir` (created, mode 0700), replacing any of its files there. */
export async function writeDeployment(dir: string, opts: DeploymentOptions): Promise<Deployment> {
  mkdirSync(join(dir, 'jwt'), { recursive: true, mode: 0o700 })
  const files = Object.fromEntries(Object.entries(DEPLOYMENT_FILES).map(([k, f]) => [k, join(dir, f)])) as Record<
    DeploymentFile,
    string
  >
  const id = await makeIdentity(JETSTREAM_LIMITS, undefined, opts.operatorName)
  const sys = id.sys.getPublicKey()
  const app = id.app.getPublicKey()
  writeFileSync(files.operatorJwt, id.operatorJwt)
  writeSecret(files.operatorSeed, seedText(id.operator))
  writeSecret(files.signingKey, seedText(id.operatorSigningKey))
  writeSecret(files.sysAccountSeed, seedText(id.sys))
  writeSecret(files.appAccountSeed, seedText(id.app))
  const users = {
    sys: await writeCreds(files.sysCreds, id.sys, 'lattice-sys'),
    state: await writeCreds(files.stateCreds, id.app, 'lattice-state'),
    app: await writeCreds(files.appCreds, id.app, 'lattice-app'),
    host: await writeCreds(files.hostCreds, id.app, 'host'),
  }
  writeFileSync(
    files.serverConf,
    `# nats-server config for lattice: operator mode, a full resolver (lattice pushes account JWTs
# to it), the system account, JetStream (lattice's state bucket). Paths are absolute.
server_name: "${opts.serverName}"
listen: "${opts.listen}"
${opts.portsFileDir ? `ports_file_dir: "${opts.portsFileDir}"\n` : ''}operator: "${files.operatorJwt}"
system_account: "${sys}"
resolver: { type: full, dir: "${join(dir, 'jwt')}", allow_delete: false, interval: "2m" }
resolver_preload: {
  ${sys}: "${id.sysJwt}"
  ${app}: "${id.appJwt}"
}
jetstream: { store_dir: "${join(dir, 'js')}" }
`,
  )
  return {
    dir,
    listen: opts.listen,
    files,
    keys: {
      operator: id.operator.getPublicKey(),
      signingKey: id.operatorSigningKey.getPublicKey(),
      systemAccount: sys,
      appAccount: app,
      users,
    },
  }
}

/** The environment that points lattice (and hosts, HOST_CREDS) at a deployment's server. */
export function latticeEnv(
  url: string,
  p: {
    sysCreds: string
    signingKey: string
    operatorJwt: string
    account: string
    stateCreds: string
    appCreds: string
    hostCreds: string
  },
): Record<string, string> {
  return {
    NATS_URL: url,
    NATS_CREDS: p.sysCreds,
    LATTICE_SIGNING_KEY: p.signingKey,
    LATTICE_OPERATOR_JWT: p.operatorJwt,
    LATTICE_ACCOUNT: p.account,
    LATTICE_STATE_CREDS: p.stateCreds,
    LATTICE_APP_CREDS: p.appCreds,
    // For hosts (examples/host/host.mjs): an application user. NATS_CREDS is the system user, where a host gets no call.
    HOST_CREDS: p.hostCreds,
  }
}
