/**
 * The dashboard's page at scale (issue #18): 500 entities x 3 versions in headless Chromium
 * (1280x800, scrolling a screen every 2 s so charts are created and destroyed as a person
 * browsing would), fed by the fixture server (test/helpers/dashboard-fixture.ts) with a full
 * 15-minute backfill, a frame every second and, as a stress run, every 250 ms. Measured in the
 * page: time per update (parsing the frames + appending to every series + DOM + redrawing the
 * charts on screen), frames received vs drawn, lag from frame.t to drawing; from Chromium (CDP):
 * main-thread busy time and JS heap after a forced GC at the start and the end; from the server:
 * SSE bytes/s. Target: at 1 frame/s the page keeps up (no backlog, p95 update well under the interval).
 */
import type { Page } from 'playwright-core'
import {
  type DashboardStats,
  type TestBrowser,
  dashboardStats,
  launchBrowser,
  noBrowser,
  openDashboard,
} from '../test/helpers/browser.js'
import { startDashboardFixture } from '../test/helpers/dashboard-fixture.js'
import type { Section } from './common.js'

const ENTITIES = Number(process.env.BENCH_DASHBOARD_ENTITIES ?? 500)
const SECONDS = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 30)
const RUNS = [
  { intervalMs: 1000, label: '1 s' },
  { intervalMs: 250, label: '250 ms (stress)' },
]

export const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN
}
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '–')

interface Result extends PageResult {
  label: string
  intervalMs: number
  firstMiB: number
  sseKiBs: number
}

export async function heapMiB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  await cdp.detach()
  return usedSize / 2 ** 20
}

/** Chromium's main-thread task time so far (s), through one CDP session kept for the run. */
export async function taskClock(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  return async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN
}

/** What the page did over a measured period (window.__latticeDashboard and Chromium's metrics). */
export interface PageResult {
  firstDrawS: number
  backfillS: number
  received: number
  drawn: number
  backlog: number
  applyMed: number
  applyP95: number
  applyMax: number
  redrawMed: number
  redrawnMed: number
  lagMed: number
  lagP95: number
  busyPct: number
  heapStartMiB: number
  heapEndMiB: number
  chartsCreated: number
  chartsLive: number
  /** Length of the measured period (s). */
  wall: number
}

/**
 * Opens `url` (waiting for the first drawn frame), lets the backfill's garbage go, then browses
 * for `seconds` (down a screen every 2 s). `mark` is read at the first draw and just before and
 * just after the measured period (the caller's own counters: bytes served, a process's CPU).
 */
export async function measurePage<T>(
  browser: TestBrowser,
  url: string,
  seconds: number,
  mark: () => T,
): Promise<PageResult & { marks: { firstDraw: T; start: T; end: T } }> {
  const t0 = performance.now()
  const page = await openDashboard(browser, url, { width: 1280, height: 800 })
  const firstDrawS = (performance.now() - t0) / 1000
  const firstDraw = mark()
  const taskSeconds = await taskClock(page)
  await page.waitForTimeout(2000)
  const backfillS = (await dashboardStats(page)).backfillMs / 1000
  const heapStart = await heapMiB(page)
  const start: DashboardStats = await dashboardStats(page)
  const task0 = await taskSeconds()
  const markStart = mark()
  const w0 = performance.now()
  let scrolled = 0
  while (performance.now() - w0 < seconds * 1000) {
    await page.waitForTimeout(2000)
    // Down a screen, back to the top after ~12 screens.
    scrolled = scrolled >= 12 ? 0 : scrolled + 1
    await page.evaluate(`scrollTo(0, ${scrolled * 800})`)
  }
  const wall = (performance.now() - w0) / 1000
  const end = await dashboardStats(page)
  const task1 = await taskSeconds()
  const markEnd = mark()
  const heapEnd = await heapMiB(page)
  // Only the updates of the measured period.
  const drawnInRun = Math.min(1000, end.draws - start.draws)
  const apply = end.recentApplyMs.slice(-drawnInRun)
  const lag = end.recentLagMs.slice(-drawnInRun)
  const redraw = end.recentRedrawMs.slice(-drawnInRun)
  const redrawn = end.recentRedrawn.slice(-drawnInRun)
  return {
    firstDrawS,
    backfillS,
    received: end.framesReceived - start.framesReceived,
    drawn: end.draws - start.draws,
    backlog: end.framesReceived - end.frames,
    applyMed: pctl(apply, 0.5),
    applyP95: pctl(apply, 0.95),
    applyMax: Math.max(...apply),
    redrawMed: pctl(redraw, 0.5),
    redrawnMed: pctl(redrawn, 0.5),
    lagMed: pctl(lag, 0.5),
    lagP95: pctl(lag, 0.95),
    busyPct: ((task1 - task0) / wall) * 100,
    heapStartMiB: heapStart,
    heapEndMiB: heapEnd,
    chartsCreated: end.chartsCreated - start.chartsCreated,
    chartsLive: end.chartsLive,
    wall,
    marks: { firstDraw, start: markStart, end: markEnd },
  }
}

async function run(intervalMs: number, label: string): Promise<Result> {
  const backfillPoints = Math.round((15 * 60_000) / intervalMs)
  const fx = await startDashboardFixture({
    entities: ENTITIES,
    versions: 3,
    intervalMs,
    backfillPoints,
    metrics: false,
  })
  const browser = await launchBrowser()
  try {
    const r = await measurePage(browser, fx.url, SECONDS, () => fx.sseBytes)
    return {
      ...r,
      label,
      intervalMs,
      firstMiB: r.marks.firstDraw / 2 ** 20,
      sseKiBs: (r.marks.end - r.marks.start) / 1024 / r.wall,
    }
  } finally {
    await browser.close()
    await fx.close()
  }
}

export async function benchDashboard(): Promise<Section> {
  const title = `Dashboard page: ${ENTITIES} entities x 3 versions in headless Chromium`
  const method = `${SECONDS} s per run after a full 15-minute backfill, in Debian's Chromium (headless, 1280x800) driven by playwright-core, scrolling a screen every 2 s; fed by the fixture server (test/helpers/dashboard-fixture.ts), not the real one. *Update* is the page's time per drawn update: parsing the frames, appending them to every series, updating the DOM, and redrawing the charts on screen (frames arriving while the page is busy are drawn together). *First draw*: from opening the page to its first drawn frame (loading, the backfill, the first charts). *Lag*: from the frame's time stamp to its drawing. *Busy*: Chromium's main-thread task time per second of the run. Heap after a forced GC, after the backfill and at the end.`
  if (noBrowser) return { title, method: `${method}\n\nNot run: ${noBrowser}.`, headers: ['run'], rows: [], checks: [] }
  const results: Result[] = []
  for (const r of RUNS) {
    process.stderr.write(`  dashboard: frames every ${r.label}...\n`)
    results.push(await run(r.intervalMs, r.label))
  }
  const headers = [
    'frames every',
    'backfill on connect (MiB)',
    'first draw (s) (of which the page took in the backfill)',
    'frames received / updates drawn',
    'backlog at end',
    'update median / p95 / max (ms)',
    'of which redrawing (median ms, charts)',
    'lag median / p95 (ms)',
    'main thread busy',
    'heap start -> end (MiB)',
    'SSE KiB/s',
    'charts created / live',
  ]
  const rows = results.map((r) => [
    r.label,
    r.firstMiB.toFixed(1),
    `${r.firstDrawS.toFixed(1)} (${r.backfillS.toFixed(1)})`,
    `${r.received} / ${r.drawn}`,
    String(r.backlog),
    `${f1(r.applyMed)} / ${f1(r.applyP95)} / ${f1(r.applyMax)}`,
    `${f1(r.redrawMed)}, ${r.redrawnMed}`,
    `${f1(r.lagMed)} / ${f1(r.lagP95)}`,
    `${r.busyPct.toFixed(0)}%`,
    `${r.heapStartMiB.toFixed(1)} -> ${r.heapEndMiB.toFixed(1)}`,
    r.sseKiBs.toFixed(0),
    `${r.chartsCreated} / ${r.chartsLive}`,
  ])
  const one = results[0]
  const checks = [
    {
      label: `at a frame every second the page keeps up: no backlog (${one.backlog}), p95 update ${f1(one.applyP95)} ms < 250 ms, p95 lag ${f1(one.lagP95)} ms < 1000 ms`,
      pass: one.backlog <= 1 && one.applyP95 < 250 && one.lagP95 < 1000,
    },
    {
      label: `heap does not grow by more than 20% over ${SECONDS} s at a frame every second (${one.heapStartMiB.toFixed(1)} -> ${one.heapEndMiB.toFixed(1)} MiB)`,
      pass: one.heapEndMiB <= one.heapStartMiB * 1.2,
    },
  ]
  return { title, method, headers, rows, checks }
}
