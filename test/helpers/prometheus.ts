/**
 * A real Prometheus server for tests: its own config and temp storage, a free port, a 1 s scrape
 * interval. The binary is LATTICE_PROMETHEUS or /usr/bin/prometheus (Debian package
 * `prometheus`); when it is missing the test fails with the install hint, unless LATTICE_NO_INSTALL
 * is set (then it is skipped with its reason: test/helpers/skips.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './nats-server.js'
import { PROMETHEUS } from './skips.js'

export { PROMETHEUS }

export const PROMETHEUS_HINT = `Prometheus is needed for the Prometheus gate tests and was not found (looked for "${PROMETHEUS}").
Install it, then run again:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends prometheus
  Elsewhere:      download a release from prometheus.io and point LATTICE_PROMETHEUS at the binary.`

export interface TestPrometheus {
  url: string
  /** Resolves once `query` gives at least one sample (the first scrape is in). */
  waitForData(query: string, ms?: number): Promise<void>
  stop(): Promise<void>
}

/** Start Prometheus scraping `targets` (host:port, path /metrics) every second. */
export async function startPrometheus(targets: string[]): Promise<TestPrometheus> {
  if (spawnSync(PROMETHEUS, ['--version']).status !== 0) throw new Error(PROMETHEUS_HINT)
  const dir = mkdtempSync(join(tmpdir(), 'lattice-prom-'))
  const config = join(dir, 'prometheus.yml')
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: test\n    static_configs:\n      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]\n`,
  )
  let lastError = ''
  // A free port can be taken between asking and listening (a shared machine): try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const proc = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    proc.stderr?.on('data', (d) => (stderr = (stderr + d.toString()).slice(-4000)))
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
    if (await ready(url, exited)) return handle(url, proc, exited, dir)
    proc.kill('SIGKILL')
    await exited
    lastError = stderr
  }
  rmSync(dir, { recursive: true, force: true })
  throw new Error(`Prometheus did not start: ${lastError}`)
}

/** /-/ready answers 200, or the process exited (false), within 30 s. */
async function ready(url: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false
  exited.then(() => (gone = true))
  const deadline = Date.now() + 30_000
  while (!gone && Date.now() < deadline) {
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

function handle(url: string, proc: ChildProcess, exited: Promise<number | null>, dir: string): TestPrometheus {
  const kill = () => proc.kill('SIGKILL')
  process.on('exit', kill)
  return {
    url,
    async waitForData(query, ms = 30_000) {
      const deadline = Date.now() + ms
      while (Date.now() < deadline) {
        const body = (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`).then(
          (r) => r.json(),
          () => undefined,
        )) as { data?: { result?: unknown[] } } | undefined
        if (body?.data?.result?.length) return
        await new Promise((r) => setTimeout(r, 250))
      }
      throw new Error(`Prometheus has no data for ${query} after ${ms / 1000} s`)
    },
    async stop() {
      process.off('exit', kill)
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
