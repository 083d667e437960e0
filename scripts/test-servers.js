#!/usr/bin/env node
// The server matrix: the integration tests once per nats-server version, each run with
// LATTICE_NATS_SERVER set. Servers: the one on PATH (Debian bookworm: 2.9.10), then either
// LATTICE_NATS_SERVERS=/path/a,/path/b or Debian trixie's and sid's (scripts/fetch-nats-servers.js).
// Ends with a per-version summary and the plain "N passed, N failed, N skipped" line over all runs;
// exits non-zero if any version failed. Extra arguments go to vitest (e.g. a test file).
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { binaryVersion, fetchAll } from './fetch-nats-servers.js'
import { FetchError } from './nats-server-deb.js'

const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const VITEST = resolve(PROJECT, 'node_modules', 'vitest', 'vitest.mjs')
// Integration files that start no nats-server run once, in npm test: vitest.config.ts leaves them
// out when LATTICE_MATRIX is set (a CLI --exclude does not reach its projects).
const DEFAULT_ARGS = ['test/integration', 'test/samples']

async function servers() {
  const list = [{ version: binaryVersion('nats-server'), binary: 'nats-server', from: 'PATH' }]
  if (!list[0].version)
    throw new FetchError(
      'nats-server is not on PATH (npm run test:servers installs the Debian package as root, like npm test).',
    )
  const given = process.env.LATTICE_NATS_SERVERS
  if (given) {
    for (const binary of given
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const version = binaryVersion(binary)
      if (!version) throw new FetchError(`LATTICE_NATS_SERVERS: ${binary} does not run as nats-server --version`)
      list.push({ version, binary: resolve(binary), from: 'LATTICE_NATS_SERVERS' })
    }
  } else {
    for (const r of await fetchAll({ log: (m) => console.error(m) }))
      list.push({ version: r.version, binary: r.binary, from: `Debian ${r.suite}` })
  }
  const seen = new Set()
  const distinct = list.filter((s) => !seen.has(s.version) && seen.add(s.version))
  // CI has just run every test on the PATH server (npm test): LATTICE_MATRIX_SKIP_PATH=1 runs only the others.
  return process.env.LATTICE_MATRIX_SKIP_PATH ? distinct.filter((s) => s.from !== 'PATH') : distinct
}

/** Run the integration tests against one binary; its counts come from the summary reporter's line. */
function run(server, args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [VITEST, 'run', ...(args.length ? args : DEFAULT_ARGS)], {
      cwd: PROJECT,
      env: { ...process.env, LATTICE_NATS_SERVER: server.binary, LATTICE_MATRIX: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let tail = ''
    child.stdout.on('data', (d) => {
      process.stdout.write(d)
      tail = (tail + d.toString()).slice(-2000)
    })
    child.on('close', (code) => {
      const m = [...tail.matchAll(/^(\d+) passed, (\d+) failed, (\d+) skipped$/gm)].at(-1)
      const counts = m
        ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) }
        : { passed: 0, failed: 1, skipped: 0 }
      // A run that exits non-zero has failed even if no test did (e.g. an error outside tests).
      if (code !== 0 && counts.failed === 0) counts.failed = 1
      done({ ...server, ...counts, code })
    })
  })
}

try {
  const list = await servers()
  const results = []
  for (const server of list) {
    console.log(`\n=== nats-server ${server.version} (${server.from}: ${server.binary}) ===\n`)
    results.push(await run(server, process.argv.slice(2)))
  }
  console.log('\nServer matrix:')
  for (const r of results)
    console.log(
      `  nats-server ${r.version.padEnd(8)} ${r.failed === 0 ? 'ok  ' : 'FAIL'}  ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped  (${r.from})`,
    )
  const sum = (k) => results.reduce((n, r) => n + r[k], 0)
  console.log(`\n${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`)
  process.exit(results.every((r) => r.failed === 0) ? 0 : 1)
} catch (e) {
  console.error(`test:servers: ${e instanceof FetchError ? e.message : e.stack}`)
  console.log('\n0 passed, 1 failed, 0 skipped')
  process.exit(1)
}
