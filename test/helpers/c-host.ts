/**
 * The C host of examples/host-c (libnats): build a variant with make into a temp dir, run it,
 * wait for its ready line. Reusable by any test that needs a host not written with host-core.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const C_HOST_DIR = fileURLToPath(new URL('../../examples/host-c/', import.meta.url))
export type CHostVariant = 'ok' | 'BROKEN_NO_VERSIONED' | 'BROKEN_QUEUE'

export const LIBNATS_HINT = `The C host example needs libnats (the NATS C client) and a C compiler.
Install them, then run again:
  Debian/Ubuntu:  sudo apt-get install -y libnats-dev gcc make
  (npm test runs scripts/ensure-libnats.js, which installs libnats-dev itself on Debian as root.)`

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL')
})

const built = new Map<CHostVariant, Promise<string>>()
let outDir: string | undefined

/**
 * Builds one variant (once per test process) and returns the binary's path. Fails with the install
 * hint without libnats. LATTICE_C_HOST_CFLAGS replaces the compiler flags (e.g. add -fsanitize=address).
 */
export function buildCHost(variant: CHostVariant = 'ok'): Promise<string> {
  let p = built.get(variant)
  if (!p) {
    p = build(variant)
    built.set(variant, p)
  }
  return p
}

async function build(variant: CHostVariant): Promise<string> {
  if (!existsSync('/usr/include/nats/nats.h') && !existsSync('/usr/local/include/nats/nats.h'))
    throw new Error(`libnats-dev is not installed (no nats/nats.h).\n${LIBNATS_HINT}`)
  outDir ??= mkdtempSync(join(tmpdir(), 'lattice-host-c-'))
  const out = join(outDir, `host-c-${variant}`)
  const args = [
    '-s',
    '-C',
    C_HOST_DIR,
    `OUT=${out}`,
    `CFLAGS=${process.env.LATTICE_C_HOST_CFLAGS ?? '-O2 -g -Wall -Wextra -Werror -std=gnu11'}`,
    `BROKEN=${variant === 'ok' ? '' : `-D${variant}`}`,
  ]
  await new Promise<void>((resolve, reject) =>
    execFile('make', args, { timeout: 120_000 }, (err, stdout, stderr) =>
      err
        ? reject(
            new Error(`building the C host (${variant}) failed: ${err.message}\n${stdout}${stderr}\n${LIBNATS_HINT}`),
          )
        : resolve(),
    ),
  )
  return out
}

export interface CHost {
  proc: ChildProcess
  readyLine: string
  stderr(): string
  /** SIGTERM, then wait for the exit (SIGKILL after 15 s); resolves to the exit code. */
  stop(): Promise<number | null>
}

/**
 * Runs the binary with `args` and resolves on its ready line (rejects if it exits first or after
 * 20 s). The example host does not retry its first connect; a connect refused once on a loaded CI
 * box (2.15.1 answered "Authorization Violation" to one start in a full matrix run, never alone)
 * is tried again, twice at most.
 */
/** The arguments that put a C host in lattice "default" of the test lattice at `url`, with `creds`. */
export function cHostLatticeArgs(l: { url: string; appCredsFile: string }): string[] {
  return ['--servers', l.url, '--creds', l.appCredsFile, '--lattice', 'default']
}

export async function startCHost(bin: string, args: string[]): Promise<CHost> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, args)
    } catch (e) {
      if (attempt >= 3 || !/connecting to --servers failed/.test((e as Error).message)) throw e
      await new Promise((r) => setTimeout(r, 500 * attempt))
    }
  }
}

function startOnce(bin: string, args: string[]): Promise<CHost> {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(proc)
  proc.once('exit', () => running.delete(proc))
  let out = ''
  let err = ''
  proc.stderr!.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const host: Omit<CHost, 'readyLine'> = {
    proc,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      try {
        return await exited
      } finally {
        clearTimeout(t)
      }
    },
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`the C host did not print its ready line in 20 s; stderr: ${err}`))
    }, 20_000)
    proc.stdout!.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve({ ...host, readyLine: out.slice(0, nl) })
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the C host exited (${code}) before it was ready; stderr: ${err}`))
    })
  })
}
