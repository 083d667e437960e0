/**
 * `npm run bench`: every benchmark against real local nats-server processes (not part of npm
 * test). Prints each table and writes each section it measured into docs/benchmarks.md (with
 * the date, the machine and its load), leaving the rest of the file as written: the notes on
 * what changed because of the numbers, and sections not run. Exits 1 when a target is missed.
 * BENCH_ONLY=startup,compile,... runs a subset (sequential: the sequential judge, about 10 minutes).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { NATS_SERVER } from '../test/helpers/nats-server.js'
import type { Section } from './common.js'
import { benchCompile } from './compile.js'
import { benchConcurrent } from './concurrent.js'
import { benchDashboardServer } from './dashboard-server.js'
import { benchDashboard } from './dashboard.js'
import { benchHostCore } from './host-core.js'
import { benchObserve } from './observe.js'
import { benchSequential } from './sequential.js'
import { benchShift } from './shift.js'
import { benchStartup } from './startup.js'
import { updatedDoc } from './doc.js'

const benches: Record<string, () => Promise<Section | Section[]>> = {
  startup: benchStartup,
  compile: benchCompile,
  shift: benchShift,
  'host-core': benchHostCore,
  concurrent: benchConcurrent,
  observe: benchObserve,
  dashboard: benchDashboard,
  'dashboard-server': benchDashboardServer,
  sequential: benchSequential,
}
const only = process.env.BENCH_ONLY?.split(',')
const DOC = new URL('../docs/benchmarks.md', import.meta.url)
const loadAtStart = loadavg()

const table = (s: Section) =>
  [
    `| ${s.headers.join(' | ')} |`,
    `|${s.headers.map(() => '---').join('|')}|`,
    ...s.rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')

const sections: Section[] = []
for (const [name, run] of Object.entries(benches)) {
  if (only && !only.includes(name)) continue
  process.stderr.write(`running ${name}...\n`)
  const out = await run()
  for (const s of Array.isArray(out) ? out : [out]) {
    sections.push(s)
    console.log(
      `\n${s.title}\n${table(s)}\n${s.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}: ${c.label}`).join('\n')}`,
    )
  }
}

const natsVersion = execFileSync(NATS_SERVER, ['--version'], { encoding: 'utf8' }).trim()
const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${natsVersion}`
const measured = `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}${only ? ` (\`BENCH_ONLY=${only.join(',')}\`)` : ''}: ${machine}; load average ${loadAtStart.map((l) => l.toFixed(1)).join(', ')} at the start.`
const render = (s: Section) =>
  [
    `## ${s.title}`,
    `${s.method}\n${measured}`,
    table(s),
    ...(s.checks.length ? [s.checks.map((c) => `- ${c.pass ? '✔' : '✖'} ${c.label}`).join('\n')] : []),
  ].join('\n\n')
writeFileSync(
  DOC,
  updatedDoc(
    existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n',
    sections.map((s) => ({ title: s.title, text: render(s) })),
  ),
)
const failed = sections.flatMap((s) => s.checks).filter((c) => !c.pass)
if (failed.length) {
  console.log(`\n${failed.length} target(s) missed.`)
  process.exitCode = 1
}
