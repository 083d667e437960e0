/**
 * The real `lattice dashboard` with 500 routed entities (issue #18): a real nats-server
 * (JetStream on), 500 actors x 3 versions made live by one `lattice apply --force` of a generated
 * spec, two host-core hosts serving the first few of them with one-way calls, and the dashboard as
 * a child process (`--interval 1s`). Measured: the time from spawning it to the first snapshot
 * with every entity; its CPU (utime + stime from /proc) and memory with no client, with one plain
 * SSE client (which also gives the backfill's size and the stream's bytes/s) and with headless
 * Chromium browsing the page (the page's own figures, as bench/dashboard.ts measures them).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import type { Snapshot } from '../src/dashboard/model.js'
import { Host } from '../src/host-core/index.js'
import { launchBrowser, noBrowser } from '../test/helpers/browser.js'
import { lattice } from '../test/helpers/cli.js'
import { http, readEvents, startDashboard } from '../test/helpers/dashboard.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
import type { Section } from './common.js'
import { f1, measurePage } from './dashboard.js'

const ENTITIES = Number(process.env.BENCH_DASHBOARD_ENTITIES ?? 500)
const SECONDS = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 30)
/** Entities with instances on the hosts and calls; the others are routed with no instance. */
const SERVED = 20
const CALLS_PER_S = 500
/** Seconds of each CPU phase without the browser. */
const PHASE_S = 10
/** The bound on the dashboard's CPU with the page open (ms per s): see the check's label. */
const CPU_BOUND = 250
const TICK_MS = 1000 / 100 // USER_HZ: /proc reports utime/stime in 1/100 s

/** CPU time (ms) a process has used so far. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** Resident memory now and at its peak (MiB). */
function rss(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
  return { now: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

/** One-way calls at a steady rate, round robin over `subjects`, until stopped. */
function traffic(nc: NatsConnection, subjects: string[], rate: number): { stop: () => void } {
  let i = 0
  let sent = 0
  const start = performance.now()
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate)
    for (; sent < due; sent++) nc.publish(subjects[i++ % subjects.length])
  }, 5)
  return { stop: () => clearInterval(timer) }
}

interface Phase {
  name: string
  cpuPerS: number
  rssMiB: number
}

export async function benchDashboardServer(): Promise<Section> {
  const title = `Dashboard with the real server: ${ENTITIES} routed entities x 3 versions`
  const method = `A real nats-server (JetStream on; the dashboard reads the state bucket too), ${ENTITIES} actors routed v1/v2/v3 70/20/10 by one \`lattice apply --force\` of a generated spec (no instances needed), two host-core hosts serving the first ${SERVED} of them (v1 and v2 on one, v3 on the other) with ${CALLS_PER_S} one-way calls/s spread over those, and \`lattice dashboard --port 0 --json --interval 1s\` as a child process. *All entities*: from spawning the process to the first \`/api/snapshot\` whose frame holds all ${ENTITIES}. Then the process's CPU (utime + stime from /proc/<pid>/stat, 10 ms ticks) and memory (VmRSS; VmHWM is the peak) over ${PHASE_S} s with no client, over ${PHASE_S} s with one plain SSE client (its bytes give the backfill's size, that is the history the process had kept so far, and the stream's KiB/s after it), and over ${SECONDS} s with headless Chromium (1280x800) browsing the page, a screen down every 2 s; the page's figures are measured as in the page benchmark (bench/dashboard.ts).`
  if (noBrowser) return { title, method: `${method}\n\nNot run: ${noBrowser}.`, headers: ['run'], rows: [], checks: [] }

  process.stderr.write(`  dashboard-server: ${ENTITIES} entities...\n`)
  const l = await startLattice({ jetstream: true })
  const conns = await Promise.all([0, 1, 2].map(() => appConnection(l.url, l.appCredsFile)))
  const hosts: Host[] = []
  let stopDash: (() => Promise<unknown>) | undefined
  let stopTraffic: (() => void) | undefined
  try {
    const env = { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile, LATTICE_APP_CREDS: l.appCredsFile }
    const ids = Array.from({ length: ENTITIES }, () => newActorId())
    hosts.push(
      ...(await Promise.all([0, 1].map((i) => Host.start({ nc: conns[i], lattice: 'default', hostId: `bench-${i}` })))),
    )
    for (const id of ids.slice(0, SERVED)) {
      await hosts[0].startActor({ id, version: 'v1', handler: () => undefined })
      await hosts[0].startActor({ id, version: 'v2', handler: () => undefined })
      await hosts[1].startActor({ id, version: 'v3', handler: () => undefined })
    }
    const spec = join(l.dir, 'dashboard-bench.yaml')
    writeFileSync(
      spec,
      `lattice: default\nsplits:\n${ids.map((id) => `  - actor: ${id}\n    weights: { v1: 70, v2: 20, v3: 10 }\n`).join('')}`,
    )
    const a0 = performance.now()
    const applied = await lattice(['apply', '-f', spec, '--force'], env)
    const applyS = (performance.now() - a0) / 1000
    if (applied.code !== 0) throw new Error(`lattice apply exited ${applied.code}: ${applied.stderr}`)
    stopTraffic = traffic(
      conns[2],
      ids.slice(0, SERVED).map((id) => `wasmbus.rpc.default.${id}`),
      CALLS_PER_S,
    ).stop

    const s0 = performance.now()
    const dash = await startDashboard([], env)
    stopDash = () => dash.stop()
    const pid = dash.proc.pid as number
    const listenS = (performance.now() - s0) / 1000
    let snapshotBytes = 0
    let allS = NaN
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const a = await http(dash.port, 'GET', `/api/snapshot?token=${dash.token}`)
      const s = JSON.parse(a.body) as Snapshot
      if ((s.frame?.entities.length ?? 0) >= ENTITIES) {
        allS = (performance.now() - s0) / 1000
        snapshotBytes = Buffer.byteLength(a.body)
        break
      }
    }
    if (!Number.isFinite(allS))
      throw new Error(`the dashboard's snapshot never held all ${ENTITIES} entities within 120 s: ${dash.stderr()}`)

    const phases: Phase[] = []
    const cpuOver = async (name: string, work: () => Promise<unknown>) => {
      const c0 = cpuMs(pid)
      const t0 = performance.now()
      await work()
      phases.push({ name, cpuPerS: (cpuMs(pid) - c0) / ((performance.now() - t0) / 1000), rssMiB: rss(pid).now })
    }
    await cpuOver('no client', () => new Promise((r) => setTimeout(r, PHASE_S * 1000)))
    let sse: Awaited<ReturnType<typeof readEvents>> | undefined
    await cpuOver('one SSE client', async () => (sse = await readEvents(dash.port, dash.token, { ms: PHASE_S * 1000 })))
    const events = sse?.events ?? []
    const backfill = events.find((e) => e.event === 'backfill')?.data as { t: number[] } | undefined
    const backfillKiB = Buffer.byteLength(JSON.stringify(backfill ?? {})) / 1024
    const frames = events.filter((e) => e.event === 'frame')
    const frameKiB =
      frames.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e.data)), 0) / 1024 / Math.max(1, frames.length)
    const sseKiBs = (Buffer.byteLength(sse?.text ?? '') / 1024 - backfillKiB) / PHASE_S

    const browser = await launchBrowser()
    let page: Awaited<ReturnType<typeof measurePage<{ cpu: number; t: number }>>>
    try {
      page = await measurePage(browser, dash.url, SECONDS, () => ({ cpu: cpuMs(pid), t: performance.now() }))
    } finally {
      await browser.close()
    }
    const withPage = (page.marks.end.cpu - page.marks.start.cpu) / ((page.marks.end.t - page.marks.start.t) / 1000)
    phases.push({ name: 'Chromium on the page', cpuPerS: withPage, rssMiB: rss(pid).now })
    const peak = rss(pid).peak
    stopTraffic()
    stopTraffic = undefined
    const calls = hosts.reduce((n, h) => n + h.metrics().versions.reduce((k, v) => k + v.calls, 0), 0)

    const rows = [
      ['`lattice apply` of the spec (s)', applyS.toFixed(1)],
      [
        'dashboard start: URL printed / all entities in /api/snapshot (s)',
        `${listenS.toFixed(1)} / ${allS.toFixed(1)}`,
      ],
      ['snapshot size (KiB)', (snapshotBytes / 1024).toFixed(0)],
      ...phases.map((p) => [
        `process CPU (ms/s) and RSS (MiB): ${p.name}`,
        `${p.cpuPerS.toFixed(0)}, ${p.rssMiB.toFixed(0)}`,
      ]),
      ['process peak RSS (MiB)', peak.toFixed(0)],
      [`backfill on connect (KiB, points)`, `${backfillKiB.toFixed(0)}, ${backfill?.t.length ?? 0}`],
      [
        'SSE after the backfill (KiB/s; KiB per frame; frames/s)',
        `${sseKiBs.toFixed(0)}; ${frameKiB.toFixed(0)}; ${(frames.length / PHASE_S).toFixed(2)}`,
      ],
      ['page: first draw (s) (of which the backfill)', `${page.firstDrawS.toFixed(1)} (${page.backfillS.toFixed(1)})`],
      ['page: frames received / updates drawn, backlog at end', `${page.received} / ${page.drawn}, ${page.backlog}`],
      ['page: update median / p95 / max (ms)', `${f1(page.applyMed)} / ${f1(page.applyP95)} / ${f1(page.applyMax)}`],
      ['page: lag median / p95 (ms)', `${f1(page.lagMed)} / ${f1(page.lagP95)}`],
      [
        'page: main thread busy; heap start -> end (MiB)',
        `${page.busyPct.toFixed(0)}%; ${page.heapStartMiB.toFixed(1)} -> ${page.heapEndMiB.toFixed(1)}`,
      ],
      ['calls the hosts counted', String(calls)],
    ]
    const checks = [
      {
        label: `all ${ENTITIES} entities in the dashboard's snapshot ${allS.toFixed(1)} s after it was started`,
        pass: allS < 60,
      },
      {
        label: `the page keeps up with the real server at a frame every second: no backlog (${page.backlog}), p95 update ${f1(page.applyP95)} ms < 250 ms`,
        pass: page.backlog <= 1 && page.applyP95 < 250,
      },
      {
        label: `the dashboard process with the page open uses ${withPage.toFixed(0)} ms of CPU per second < ${CPU_BOUND} ms/s (a quarter of one core: each 1 s frame costs under a quarter of its interval, so it cannot fall behind even when the machine is busy, and leaves the rest of a core to the hosts and server it watches)`,
        pass: withPage < CPU_BOUND,
      },
    ]
    return { title, method, headers: ['what', 'measured'], rows, checks }
  } finally {
    stopTraffic?.()
    await stopDash?.()
    for (const h of hosts) await h.close().catch(() => undefined)
    for (const c of conns) await c.close().catch(() => undefined)
    await l.stop()
  }
}
