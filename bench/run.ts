/**
 * `npm run bench`: every benchmark against real local nats-server processes (not part of npm
 * test). Prints each table and writes docs/benchmarks.md with the machine and how to
 * reproduce. Exits 1 when a target is missed. BENCH_ONLY=startup,compile,... runs a subset.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { NATS_SERVER } from '../test/helpers/nats-server.js'
import type { Section } from './common.js'
import { RUNS } from './common.js'
import { benchCompile } from './compile.js'
import { benchConcurrent } from './concurrent.js'
import { benchHostCore } from './host-core.js'
import { benchObserve } from './observe.js'
import { benchShift } from './shift.js'
import { benchStartup } from './startup.js'

const benches: Record<string, () => Promise<Section | Section[]>> = { startup: benchStartup, compile: benchCompile, shift: benchShift, 'host-core': benchHostCore, concurrent: benchConcurrent, observe: benchObserve }
const only = process.env.BENCH_ONLY?.split(',')

const table = (s: Section) => [`| ${s.headers.join(' | ')} |`, `|${s.headers.map(() => '---').join('|')}|`, ...s.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')

const NOTES = `## What changed because of these numbers

- \`lattice shift\` end to end on one node: 0.68 s -> 0.25 s. The change itself (reads, gates,
  push, per-server check) went from 394 ms to about 30 ms once lattice learned the number of servers
  from VARZ + ROUTEZ: every gather now stops when all servers have answered instead of waiting out
  a quiet period. An oclif manifest stopped oclif from loading every command.
- \`lattice --version\`: 0.24 s -> 0.07 s (answered before oclif is loaded).
- Signing and verifying with Node's ed25519 instead of nkeys.js's pure JavaScript: 5,000 routes
  127 ms -> 51 ms; 10 routes 9 ms -> 0.2 ms.
- \`lattice shift\` end to end: 238 ms -> 193 ms on one node (1.55x -> 1.29x the minimal script)
  by bundling the CLI into one file (\`dist/lattice.js\`, esbuild, \`scripts/bundle.js\`). Before,
  Node loaded the CLI file by file (importing \`@oclif/core\` alone took about 55 ms; the bundle
  replaces about 400 source files of oclif, nats.js, yaml and ours) before the command could
  connect; the network part of a shift already took as long as the script's. A minified bundle
  was slower (199 ms), so it is not minified.
- host-core's ratio moved between 0.94x and 1.04x from one \`npm run bench\` to the next while
  host-core's code path stayed the same: the old method compared medians of runs minutes apart,
  and compared host-core behind a mapping with a plain responder without one. Now every round runs
  all four cases in a rotating order, ratios are taken within a round, and the plain responder is
  behind the same mapping; three runs in a row gave 0.98x to 1.03x.
- 50 \`lattice shift\` processes at once on a 2-core machine kept busy (issue #13): before, one
  handshake of every process failed (20 in a run of 20 processes, 40 handshakes) with \`write EPIPE\` or the server's
  "Authentication Timeout": nats.js derives the key and signs the server's nonce in pure
  JavaScript inside the handshake, which on starved CPUs outlasted the server's 2 s auth timeout,
  and each failure cost the 5 s connect timeout before it was seen. Now the nonce is signed with
  Node's ed25519 (key prepared before connecting) and an attempt fails as soon as the server
  closes the socket: 1 of the 100 handshakes of 50 processes needed a retry, with both CPUs kept busy. Writers take the
  state lock before reading the live state, so the 49 waiting ones only poll the lock instead of
  each reading the live state once per writer ahead of them.
- Observing 100 entities at 10,000 calls/s (issue #19): lattice's CPU 106.6 ms/s by subscription
  -> 19.7 ms/s from the hosts' metrics reports, the same at 1,000 calls/s; the server no longer
  delivers each observed call twice (34 ms/s of its CPU). Details in the section below.`

const sections: Section[] = []
for (const [name, run] of Object.entries(benches)) {
  if (only && !only.includes(name)) continue
  process.stderr.write(`running ${name}...\n`)
  const out = await run()
  for (const s of Array.isArray(out) ? out : [out]) {
    sections.push(s)
    console.log(`\n${s.title}\n${table(s)}\n${s.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}: ${c.label}`).join('\n')}`)
  }
}

const natsVersion = execFileSync(NATS_SERVER, ['--version'], { encoding: 'utf8' }).trim()
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${natsVersion}`
const doc = `# Benchmarks

Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Every number is a median of ${RUNS} or more runs after a warm-up, and every target compares two
things measured in the same run (these shared machines are noisy; absolute numbers vary).
Reproduce with \`npm run bench\` (\`BENCH_RUNS=N\` for more runs, \`BENCH_ONLY=startup,compile,shift,host-core,concurrent\`
for a subset); it starts its own \`nats-server\` processes and writes this file.

${NOTES}

${sections.map((s) => [`## ${s.title}`, s.method, table(s), ...(s.checks.length ? [s.checks.map((c) => `- ${c.pass ? '✔' : '✖'} ${c.label}`).join('\n')] : [])].join('\n\n')).join('\n\n')}
`
if (!only) writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc)
const failed = sections.flatMap((s) => s.checks).filter((c) => !c.pass)
if (failed.length) {
  console.log(`\n${failed.length} target(s) missed.`)
  process.exitCode = 1
}
