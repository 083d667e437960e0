/**
 * `lattice dev up|down|status|env`: one local nats-server in operator mode (full resolver,
 * JetStream) with fresh operator, system and application accounts under a directory, running
 * in the background, plus a `nats` CLI context for it. Everything lives in that directory
 * (seed and creds files mode 0600), so `dev down` leaves nothing running.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { LatticeError } from '../errors.js'
import { JETSTREAM_LIMITS, makeIdentity, seedText, writeCreds } from './identity.js'

export const CONTEXT_NAME = 'lattice-dev'

export interface DevState {
  dir: string
  pid: number
  url: string
  account: string
  operatorSeed: string
  sysCreds: string
  appCreds: string
  context: string
}

export const natsServerBinary = () => process.env.LATTICE_NATS_SERVER ?? 'nats-server'

const stateFile = (dir: string) => join(dir, 'dev.json')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The running local lattice of `dir`, or undefined. */
export function devState(dirArg: string): (DevState & { running: boolean }) | undefined {
  const dir = resolve(dirArg)
  if (!existsSync(stateFile(dir))) return undefined
  const state = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as DevState
  return { ...state, running: alive(state.pid) }
}

function contextFile(env = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'nats', 'context', `${CONTEXT_NAME}.json`)
}

export async function devUp(dirArg: string, port: number | undefined): Promise<DevState & { started: boolean }> {
  const dir = resolve(dirArg)
  const existing = devState(dir)
  if (existing?.running) return { ...existing, started: false }
  const check = spawnSync(natsServerBinary(), ['--version'], { encoding: 'utf8' })
  if (check.error || check.status !== 0) {
    throw new LatticeError('NATS_SERVER_MISSING', `${natsServerBinary()} is not installed (or not on PATH).`, {
      hint: 'Install it: `apt-get install -y nats-server` (Debian/Ubuntu), `brew install nats-server` (macOS), or download from https://github.com/nats-io/nats-server/releases; or set LATTICE_NATS_SERVER to the binary.',
    })
  }
  mkdirSync(join(dir, 'jwt'), { recursive: true })
  const id = await makeIdentity(JETSTREAM_LIMITS)
  const file = (name: string) => join(dir, name)
  writeFileSync(file('operator.jwt'), id.operatorJwt)
  writeFileSync(file('operator.nk'), seedText(id.operator), { mode: 0o600 })
  await writeCreds(file('sys.creds'), id.sys, 'lattice-sys')
  await writeCreds(file('app.creds'), id.app, 'lattice-app')
  for (const f of readdirSync(dir)) if (f.endsWith('.ports')) rmSync(file(f))
  writeFileSync(
    file('server.conf'),
    `server_name: "lattice-dev"
listen: "127.0.0.1:${port ?? -1}"
ports_file_dir: "${dir}"
operator: "${file('operator.jwt')}"
system_account: "${id.sys.getPublicKey()}"
resolver: { type: full, dir: "${file('jwt')}", allow_delete: false, interval: "2m" }
resolver_preload: {
  ${id.sys.getPublicKey()}: "${id.sysJwt}"
  ${id.app.getPublicKey()}: "${id.appJwt}"
}
jetstream: { store_dir: "${file('js')}" }
`,
  )
  // Detached, output to a log file: it keeps running after this command exits.
  const log = openSync(file('nats-server.log'), 'a')
  const child = spawn(natsServerBinary(), ['-c', file('server.conf')], { detached: true, stdio: ['ignore', log, log] })
  child.unref()
  const url = await waitForPorts(dir, child.pid as number)
  const state: DevState = { dir, pid: child.pid as number, url, account: id.app.getPublicKey(), operatorSeed: file('operator.nk'), sysCreds: file('sys.creds'), appCreds: file('app.creds'), context: contextFile() }
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`)
  mkdirSync(join(state.context, '..'), { recursive: true })
  writeFileSync(state.context, `${JSON.stringify({ description: `lattice dev (${dir})`, url, creds: state.sysCreds }, null, 2)}\n`)
  return { ...state, started: true }
}

async function waitForPorts(dir: string, pid: number): Promise<string> {
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
    if (!alive(pid)) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const log = existsSync(join(dir, 'nats-server.log')) ? readFileSync(join(dir, 'nats-server.log'), 'utf8').trim().split('\n').slice(-5).join('\n') : ''
  throw new LatticeError('CONNECTION_FAILED', `The local nats-server did not start:\n${log}`, { hint: 'Is the port free? Try `lattice dev up --port 0` for any free port.' })
}

/** Stop the local server (and wait until it is gone); remove its nats context. */
export async function devDown(dirArg: string): Promise<{ stopped: boolean; dir: string }> {
  const state = devState(dirArg)
  if (!state) return { stopped: false, dir: resolve(dirArg) }
  if (state.running) {
    process.kill(state.pid, 'SIGTERM')
    const deadline = Date.now() + 5000
    while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (alive(state.pid)) process.kill(state.pid, 'SIGKILL')
  }
  rmSync(stateFile(state.dir), { force: true })
  if (existsSync(state.context)) rmSync(state.context)
  return { stopped: state.running, dir: state.dir }
}

/** Shell exports that make every lattice command (and the nats CLI) use the local lattice. */
export function devEnv(state: DevState): Record<string, string> {
  return {
    NATS_URL: state.url,
    NATS_CREDS: state.sysCreds,
    LATTICE_SIGNING_KEY: state.operatorSeed,
    LATTICE_ACCOUNT: state.account,
    LATTICE_STATE_CREDS: state.appCreds,
    LATTICE_APP_CREDS: state.appCreds,
  }
}
