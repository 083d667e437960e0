/**
 * `lattice dev up|down|status|env`: one local nats-server in operator mode (full resolver,
 * JetStream) with its own operator, system and application accounts under a directory, running
 * in the background, plus a `nats` CLI context for it. Everything lives in that directory
 * (seed and creds files mode 0600), so `dev down` leaves nothing running, and `dev up` starts
 * the same lattice again.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { LatticeError } from '../errors.js'
import { DEPLOYMENT_FILES, SERVER_DIRS, latticeEnv, writeDeployment } from './deployment.js'

export interface DevState {
  dir: string
  /** The nats-server's pid; 0 once `dev down` stopped it. */
  pid: number
  url: string
  account: string
  operatorSeed: string
  sysCreds: string
  appCreds: string
  /** This directory's own nats CLI context file (see contextName). */
  context: string
}

export const natsServerBinary = () => process.env.LATTICE_NATS_SERVER ?? 'nats-server'

const stateFile = (dir: string) => join(dir, 'dev.json')
/** What a local lattice needs to restart: its keys and its server config (the data is in jwt/ and js/); older ones have no more. */
const KEPT = ['server.conf', 'operator.jwt', 'operator.nk', 'sys.creds', 'app.creds']

function signalable(pid: number): boolean {
  if (!(pid > 0)) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Is `pid` a running local nats-server (started as `-c .../server.conf`)? Not when it is gone, a
 * zombie nobody reaped (a container whose pid 1 does not reap keeps it for good), or a pid reused
 * by another program after a reboot. Where there is no /proc (macOS), the signal check is all.
 */
export function serverRunning(pid: number): boolean {
  if (!signalable(pid)) return false
  let stat: string
  let argv: string[]
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return true
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2)[0] // the name, in parentheses, may hold spaces
  if (state === 'Z' || state === 'X') return false
  const conf = argv.indexOf('-c')
  return conf >= 0 && basename(argv[conf + 1] ?? '') === 'server.conf'
}

/** The local lattice of `dir` (running or stopped), or undefined when none was started there. */
export function devState(dirArg: string): (DevState & { running: boolean }) | undefined {
  const dir = resolve(dirArg)
  if (!existsSync(stateFile(dir))) return undefined
  const state = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as DevState
  return { ...state, running: serverRunning(state.pid) }
}

/**
 * The nats CLI context of the local lattice in `dir`: one per directory, so two projects'
 * local lattices never overwrite (or `dev down`) each other's. Named after the project folder
 * (the folder holding `.lattice`, or `dir` itself) and a hash of the absolute path, e.g.
 * `lattice-dev-shop-1a2b3c`.
 */
export function contextName(dirArg: string): string {
  const dir = resolve(dirArg)
  const folder = basename(dir) === '.lattice' ? basename(dirname(dir)) : basename(dir)
  const safe =
    folder
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'root'
  return `lattice-dev-${safe}-${createHash('sha256').update(dir).digest('hex').slice(0, 6)}`
}

function contextFile(dir: string, env = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'nats', 'context', `${contextName(dir)}.json`)
}

export interface DevUpOptions {
  /** Client port; 0 for any free one. Default: a new lattice takes any free port, a restart the port it had. */
  port?: number
  /** Throw away the keys, history and data of `dir` and make new ones. */
  fresh?: boolean
}

export type DevUpResult = DevState & { started: boolean; restarted: boolean }

/**
 * Start the local lattice of `dir`. A directory that already has one (its server stopped or
 * died) is restarted with its own keys and data, on its port: hosts connected to it reconnect,
 * and the history stays. New keys only with `fresh`.
 */
export async function devUp(dirArg: string, opts: DevUpOptions = {}): Promise<DevUpResult> {
  const dir = resolve(dirArg)
  const existing = devState(dir)
  if (existing?.running && !opts.fresh) return { ...existing, started: false, restarted: false }
  const check = spawnSync(natsServerBinary(), ['--version'], { encoding: 'utf8' })
  if (check.error || check.status !== 0) {
    throw new LatticeError('NATS_SERVER_MISSING', `${natsServerBinary()} is not installed (or not on PATH).`, {
      hint: 'Install it: `apt-get install -y nats-server` (Debian/Ubuntu), `brew install nats-server` (macOS), or download from https://github.com/nats-io/nats-server/releases; or set LATTICE_NATS_SERVER to the binary.',
    })
  }
  const file = (name: string) => join(dir, name)
  if (opts.fresh) {
    await devDown(dir)
    for (const f of [...Object.values(DEPLOYMENT_FILES), 'dev.json', ...SERVER_DIRS])
      rmSync(file(f), { recursive: true, force: true })
  }
  const restart = existsSync(file('server.conf'))
  if (restart) {
    const missing = KEPT.filter((f) => !existsSync(file(f)))
    if (missing.length > 0) {
      throw new LatticeError(
        'DEV_INCOMPLETE',
        `The local lattice in ${dir} lacks ${missing.join(', ')}: it cannot be restarted with its keys.`,
        {
          hint: `Restore the files, or start over with new keys (the history and data of ${dir} are lost): \`lattice dev up --fresh\`.`,
        },
      )
    }
  } else {
    await writeDeployment(dir, {
      listen: '127.0.0.1:-1',
      serverName: 'lattice-dev',
      operatorName: 'lattice-local',
      portsFileDir: dir,
    })
  }
  if (opts.port !== undefined) setListenPort(file('server.conf'), opts.port === 0 ? -1 : opts.port)
  for (const f of readdirSync(dir)) if (f.endsWith('.ports')) rmSync(file(f))
  // Detached, output to a log file: it keeps running after this command exits.
  const log = openSync(file('nats-server.log'), 'a')
  const child = spawn(natsServerBinary(), ['-c', file('server.conf')], { detached: true, stdio: ['ignore', log, log] })
  child.unref()
  const url = await waitForPorts(dir, child.pid as number, restart)
  // The next start (after `dev down` or a crash) comes back on this port, where hosts reconnect.
  setListenPort(file('server.conf'), Number(new URL(url).port))
  const state: DevState = {
    dir,
    pid: child.pid as number,
    url,
    account: accountOfCreds(file('app.creds')),
    operatorSeed: file('operator.nk'),
    sysCreds: file('sys.creds'),
    appCreds: file('app.creds'),
    context: contextFile(dir),
  }
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`)
  mkdirSync(join(state.context, '..'), { recursive: true })
  writeFileSync(
    state.context,
    `${JSON.stringify({ description: `lattice dev (${dir})`, url, creds: state.sysCreds }, null, 2)}\n`,
  )
  return { ...state, started: true, restarted: restart }
}

function setListenPort(conf: string, port: number): void {
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^listen: .*$/m, `listen: "127.0.0.1:${port}"`))
}

/** The account a creds file's user belongs to (the issuer of its user JWT). */
function accountOfCreds(path: string): string {
  const jwt = /-----BEGIN NATS USER JWT-----\s*([^\s-]+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? ''
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as {
    iss?: string
    nats?: { issuer_account?: string }
  }
  return claims.nats?.issuer_account ?? claims.iss ?? ''
}

async function waitForPorts(dir: string, pid: number, restart: boolean): Promise<string> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const ports = readdirSync(dir).find((f) => f.endsWith(`_${pid}.ports`))
    if (ports) {
      try {
        const url = (JSON.parse(readFileSync(join(dir, ports), 'utf8')) as { nats?: string[] }).nats?.[0]
        if (url) return url
      } catch {
        // being written
      }
    }
    if (!signalable(pid)) break // our own child (node reaps it); its command line is node's until it has exec'd
    await new Promise((r) => setTimeout(r, 50))
  }
  const log = existsSync(join(dir, 'nats-server.log'))
    ? readFileSync(join(dir, 'nats-server.log'), 'utf8').trim().split('\n').slice(-5).join('\n')
    : ''
  const hint = restart
    ? 'Is its port taken by another program? `lattice dev up --port 0` restarts it on any free port (hosts must then be pointed at the new URL).'
    : 'Is the port free? Try `lattice dev up --port 0` for any free port.'
  throw new LatticeError('CONNECTION_FAILED', `The local nats-server did not start:\n${log}`, { hint })
}

/** Stop the local server (and wait until it is gone); remove its own nats context. Keys and data stay. */
export async function devDown(dirArg: string): Promise<{ stopped: boolean; dir: string }> {
  const state = devState(dirArg)
  if (!state) return { stopped: false, dir: resolve(dirArg) }
  if (state.running) {
    process.kill(state.pid, 'SIGTERM')
    const deadline = Date.now() + 5000
    while (serverRunning(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (serverRunning(state.pid)) process.kill(state.pid, 'SIGKILL')
  }
  writeFileSync(stateFile(state.dir), `${JSON.stringify({ ...state, running: undefined, pid: 0 }, null, 2)}\n`)
  if (ownContext(state)) rmSync(state.context)
  return { stopped: state.running, dir: state.dir }
}

/** The context file exists and still points at this directory's creds (never remove another lattice's). */
function ownContext(state: DevState): boolean {
  try {
    return (JSON.parse(readFileSync(state.context, 'utf8')) as { creds?: string }).creds === state.sysCreds
  } catch {
    return false
  }
}

/** NOT_RUNNING, saying whether the lattice was stopped, died, or never started there. */
export function notRunning(dir: string, state: ReturnType<typeof devState>): LatticeError {
  if (!state)
    return new LatticeError('NOT_RUNNING', `No local lattice in ${dir}.`, { hint: 'Start one with `lattice dev up`.' })
  const why = state.pid
    ? `its nats-server (pid ${state.pid}) is not running any more (see ${join(state.dir, 'nats-server.log')})`
    : 'it was stopped with `lattice dev down`'
  return new LatticeError('NOT_RUNNING', `The local lattice in ${dir} is not running: ${why}.`, {
    hint: '`lattice dev up` starts it again with its keys, history and data.',
  })
}

/** Shell exports that make every lattice command (and the nats CLI, and hosts) use the local lattice. */
export function devEnv(state: DevState): Record<string, string> {
  // The application user does everything there: older local lattices have no state.creds or host.creds.
  const app = state.appCreds
  return latticeEnv(state.url, {
    sysCreds: state.sysCreds,
    signingKey: state.operatorSeed,
    operatorJwt: join(state.dir, 'operator.jwt'),
    account: state.account,
    stateCreds: app,
    appCreds: app,
    hostCreds: app,
  })
}
