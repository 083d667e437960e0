/**
 * One nats-server process for tests: started on free ports, its ports file awaited (failing fast
 * with its output if it exits first), stopped by PID; every one left behind dies with the test process.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

export const NATS_SERVER = process.env.LATTICE_NATS_SERVER ?? 'nats-server'

// Servers a crashed test left behind die with the test process.
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL')
})

/**
 * A port for a server to listen on later (cluster, gateway, leaf node). Picked below the kernel's
 * ephemeral range: a port from bind(0) was released until the server bound it, and meanwhile an
 * ephemeral port (a client's socket, a monitor on -1) could take it ("address already in use").
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange()
  for (let tries = 0; low > 11_000 && tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000))
    if (handedOut.has(port)) continue
    handedOut.add(port) // before the await: concurrent callers never get the same port
    if (await canBind(port)) return port
    handedOut.delete(port)
  }
  return bindAny()
}

const handedOut = new Set<number>()

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (low > 0 && high >= low) return [low, high]
  } catch {
    // not Linux: no known range
  }
  return [0, 0]
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

function bindAny(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export interface PortsFile {
  nats: string[]
  monitoring?: string[]
  cluster?: string[]
}

/** Start nats-server and wait for its ports file; fail fast with its output if it exits first. `args` follow `-c FILE` (they override the file). */
export async function spawnServer(
  configFile: string,
  portsDir: string,
  args: string[] = [],
): Promise<{ proc: ChildProcess; ports: PortsFile }> {
  const proc = spawn(NATS_SERVER, ['-c', configFile, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  let output = ''
  proc.stderr?.on('data', (d) => {
    output = (output + d.toString()).slice(-4000)
  })
  const exited = new Promise<never>((_, reject) => {
    proc.once('error', (e) => reject(new Error(`cannot start ${NATS_SERVER}: ${e.message}`)))
    proc.once('exit', (code) => reject(new Error(`nats-server exited early (code ${code}):\n${output}`)))
  })
  exited.catch(() => undefined)
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    const file = readdirSync(portsDir).find((f) => f.endsWith(`_${proc.pid}.ports`))
    if (file) {
      try {
        const ports = JSON.parse(readFileSync(join(portsDir, file), 'utf8')) as PortsFile
        if (ports.nats?.length) return { proc, ports }
      } catch {
        // being written; read again
      }
    }
    await Promise.race([exited, sleep(25)])
  }
  proc.kill('SIGKILL')
  throw new Error(`nats-server did not start within 10 s:\n${output}`)
}

export async function stopProc(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
  const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
  await done
  clearTimeout(timer)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
