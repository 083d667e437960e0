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
import { benchDashboardServer } from './dashboard-server.js'
import { benchDashboard } from './dashboard.js'
import { benchHostCore } from './host-core.js'
import { benchObserve } from './observe.js'
import { benchShift } from './shift.js'
import { benchStartup } from './startup.js'

const benches: Record<string, () => Promise<Section | Section[]>> = { startup: benchStartup, compile: benchCompile, shift: benchShift, 'host-core': benchHostCore, concurrent: benchConcurrent, observe: benchObserve, dashboard: benchDashboard, 'dashboard-server': benchDashboardServer }
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
  delivers each observed call twice (34 ms/s of its CPU). Details in the section below.
- The dashboard's page with 500 entities (issue #18): a Chromium profile at a frame every 250 ms
  spent most of the page's script time drawing the set-weight lines (uPlot's stepped path, two
  segments per point: 499 ms of 6 s in \`lineTo\`); drawn linear when a step is narrower than a
  pixel, 50 ms. Off-screen cards are not laid out (\`content-visibility\`), only charts on screen
  are redrawn. Figures in the dashboard section below.
- Start-up and memory (issue #19). Before: \`dist/lattice.js\` held every command, so even
  \`lattice shift actor --help\` evaluated all of lattice, nats.js and yaml (2.82x \`node -e 0\`;
  \`lattice env subjects\`, a command that contacts nothing, 4.87x, in one run on a loaded machine).
  Measured with \`node --cpu-prof\`, then each attempt side by side with the build before it:
  - One file per command (esbuild code splitting; oclif's "pattern" discovery through the
    manifest, so \`--help\` loads no command code and a command loads only its own): \`--help\`
    2.89x -> 2.14x, \`env subjects\` 2.91x -> 2.36x with the next change. Kept. oclif 4's
    explicit discovery cannot load lazily: it needs every class in the COMMANDS export at once.
  - The NATS client and the key code loaded only when a command connects (session.ts imports
    them when it connects; \`env subjects\` no longer imports ops/spec.ts): \`env subjects\` loads
    no nats.js, nkeys.js or tweetnacl. Kept (part of the 2.36x above).
  - oclif's help passed every string (each flag's summary) through ejs, compiling each into a
    function, and measured each word with string-width's regular expressions: only strings with
    a template tag go to ejs, printable ASCII is measured by its length (every help page checked
    byte for byte against the build before). \`--help\` 2.50x -> 2.04x (CPU 3.33x -> 2.47x). Kept.
  - oclif evaluates cli-spinners' ~90 spinners, tinyglobby, minimatch and semver at load for
    paths lattice does not take (ux.action, discovery without a manifest, plugin patterns, a node
    version check that cannot run in a bundle): cut to the two spinners oclif uses, the others
    evaluated on first call. Together with the above: 2.70x -> 1.70x in a run where the machine
    was very loaded (CPU 3.54x -> 2.38x). Kept.
  - V8's code cache (not available for ES modules in Node 20: \`module.enableCompileCache\` is
    Node 22): loading oclif and the help as CommonJS through \`vm.Script\` with cached data took
    the entry's load from 1.64x to 1.41x \`node -e 0\`, about 25 ms. Not kept: CommonJS has no
    code splitting (every command again) and it needs a writable cache directory.
  - A start-up snapshot (\`node --build-snapshot\`): a snapshot is used only with
    \`node --snapshot-blob FILE\` on the command line, which a \`bin\` run through
    \`#!/usr/bin/env node\` cannot pass without starting a second node (a whole \`node -e 0\` more),
    and Node 20 builds one only from a single CommonJS script. Not tried further.
  - What is left of \`--help\` (profile): evaluating @oclif/core itself (its index loads config,
    command, parser, help, errors, ux, logger), compiling the ~700 kB chunk that holds it,
    loading the autocomplete plugin's manifest, and the help's own wrapping. 1.5x \`node -e 0\`
    is not reached: 2.18x in the run below (\`env subjects\` 2.55x, which also parses YAML).
- \`lattice shift\` after splitting loads nats.js but no yaml, spec or rollout code: in a run of
  each build side by side, without history 1.26x -> 1.00x the script on one server and
  1.16x -> 0.99x on three (other runs: 1.15x -> 1.04x and 1.20x -> 1.32x; the load of this
  machine moves these ratios more than the change). Peak memory without history went from 1.01x
  to 1.06x the script's (61.0 -> 63.8 MiB): the split build holds about 3 MiB more once the
  shift command is loaded, even before it connects (cause not found); with history 1.09x-1.10x
  before and after, at the 1.1x target. With history (--state-creds) the state bucket costs a second connection and
  six round trips (head, lock, intent, still-ours check, commit; JetStream replicates each write
  to three servers on a cluster): 20 ms on one server and 40 ms on three when the machine was
  quiet (timestamps in the process), 54-272 ms on this loaded one. Binding the bucket no longer
  asks JetStream's account info a second time (one round trip less). None of the safety steps
  was dropped; with history lattice stays above the script (which keeps no history).`

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
Reproduce with \`npm run bench\` (\`BENCH_RUNS=N\` for more runs, \`BENCH_ONLY=startup,compile,shift,host-core,concurrent,observe,dashboard,dashboard-server\`
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
