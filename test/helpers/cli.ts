/** Run the real `lattice` binary (bin/run.js over the built dist/) as a user would. */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The files lattice keeps on "this machine" (pushes made --without-state, rollout copies): in
 * one temp dir shared by the tests, not the user's home (each test lattice has its own account,
 * so their files never meet).
 */
export const TEST_STATE_DIR = join(tmpdir(), 'lattice-test-local-state')

/** Env without the caller's NATS and lattice settings, so tests see only what they pass. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!/^(NATS_|LATTICE_)/.test(k)) env[k] = v
  // No nats context of the machine's user leaks in: tests name their own.
  env.XDG_CONFIG_HOME = '/nonexistent-lattice-test-config'
  env.LATTICE_STATE_DIR = TEST_STATE_DIR
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v
  return env
}

/** How long one CLI run may take before the helper kills it. */
const CLI_LIMIT_MS = 60_000

/** `cwd`: where it runs (default: the test's own directory). */
export function lattice(
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cleanEnv({ NO_COLOR: '1', ...env }), timeout: CLI_LIMIT_MS },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        // Say so when this helper killed it: otherwise a starved machine reads as "exit 1, no output".
        const killed =
          err && (err as { killed?: boolean }).killed
            ? `\n[test helper: lattice ${args.slice(0, 2).join(' ')} killed after ${CLI_LIMIT_MS / 1000} s, still running]`
            : ''
        resolve({ code, stdout, stderr: stderr + killed })
      },
    )
  })
}

/** A `lattice` command running in the background (a rollout runner, a command killed mid-way). */
export interface CliRun {
  proc: ChildProcess
  stdout(): string
  stderr(): string
  /** stdout then stderr, as read so far. */
  output(): string
  /** Its exit code (-1 when killed by a signal) and all it printed. */
  done: Promise<CliResult>
  /** Resolves once `re` shows in its output (or in `text()`); fails with the output if it ends first or `ms` pass. */
  waitFor(re: RegExp, ms?: number, text?: () => string): Promise<void>
  /** Kill it (if still running) and wait for it to end. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>
}

// Runs a crashed test left behind die with the test process.
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL')
})

/** Start `lattice` in the background with the same env as `lattice()`; `cwd`: where it runs. */
export function background(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): CliRun {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cleanEnv({ NO_COLOR: '1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(proc)
  let stdout = ''
  let stderr = ''
  let ended = false
  proc.stdout?.on('data', (d) => (stdout += d.toString()))
  proc.stderr?.on('data', (d) => (stderr += d.toString()))
  const done = new Promise<CliResult>((resolve) =>
    proc.once('close', (code) => {
      ended = true
      running.delete(proc)
      resolve({ code: code ?? -1, stdout, stderr })
    }),
  )
  const output = () => stdout + stderr
  return {
    proc,
    stdout: () => stdout,
    stderr: () => stderr,
    output,
    done,
    async waitFor(re, ms = 60_000, text = output) {
      const deadline = Date.now() + ms
      while (!re.test(text())) {
        if (ended)
          throw new Error(
            `lattice ${args.slice(0, 2).join(' ')} ended (${proc.exitCode ?? proc.signalCode}) before ${re}:\n${output()}`,
          )
        if (Date.now() > deadline) throw new Error(`no ${re} within ${ms} ms:\n${output()}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    async stop(signal = 'SIGKILL') {
      if (!ended) proc.kill(signal)
      return done
    },
  }
}

export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  }
}
