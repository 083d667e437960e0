/**
 * `lattice dashboard` end to end: headless Chromium (Debian's, test/helpers/browser.ts) on the
 * page a real `lattice dashboard` serves, against a real nats-server with real hosts and real
 * traffic. The page shows an entity's weights; after `lattice shift` its observed split (the
 * numbers and the chart) moves to the new weight within seconds; Abort on a running rollout
 * restores the stable weights; an action without the token is refused. With
 * LATTICE_SCREENSHOTS=dir the page is photographed there (docs/dashboard.md's pictures).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { skipIf } from '../helpers/skips.js'
import { type TestBrowser, launchBrowser, noBrowser, openDashboard } from '../helpers/browser.js'
import { lattice } from '../helpers/cli.js'
import { type RunningDashboard, startDashboard } from '../helpers/dashboard.js'
import { type TwoVersionActor, startTwoVersionActor } from '../helpers/two-version-actor.js'

let t2: TwoVersionActor
let env: () => Record<string, string>
let dash: RunningDashboard
let browser: TestBrowser
let page: Page
let stopTraffic: () => Promise<void> = async () => {}
let actor: string
let key: string
const shots = process.env.LATTICE_SCREENSHOTS
const weights = () => t2.weights()

/** The entity's rows as the page shows them, and the values its chart ends with. */
async function shown(): Promise<{
  rows: Record<string, { weight: number; observed: number | null }>
  chart: Record<string, number | null>
}> {
  return page.$eval(`[data-entity="${key}"]`, (card) => ({
    rows: Object.fromEntries(
      [...card.querySelectorAll('tr[data-version]')].map((r) => [
        r.getAttribute('data-version'),
        {
          weight: Number(r.getAttribute('data-weight')),
          observed: r.getAttribute('data-observed') ? Number(r.getAttribute('data-observed')) : null,
        },
      ]),
    ),
    chart: JSON.parse(card.getAttribute('data-chart-observed') ?? '{}'),
  }))
}

/** Poll the page until `ok` holds (a loaded machine: a deadline, not a sleep); the last reading either way. */
async function until<T>(read: () => Promise<T>, ok: (x: T) => boolean, ms = 45_000): Promise<T> {
  const end = Date.now() + ms
  let x = await read().catch(() => undefined as T)
  while ((x === undefined || !ok(x)) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250))
    x = await read().catch(() => undefined as T)
  }
  return x
}

async function shot(name: string): Promise<void> {
  if (!shots) return
  mkdirSync(shots, { recursive: true })
  await page.screenshot({ path: join(shots, name), fullPage: false })
}

describe('lattice dashboard in headless Chromium, against a real lattice', skipIf(noBrowser), () => {
  beforeAll(async () => {
    t2 = await startTwoVersionActor({ v1: 2, v2: 2 })
    ;({ actor, env } = t2)
    key = `actor ${actor}`
    dash = await startDashboard([], env())
    browser = await launchBrowser()
    page = await openDashboard(browser, dash.url)
    stopTraffic = await t2.traffic()
  }, 180_000)

  afterAll(async () => {
    await stopTraffic()
    await browser?.close()
    await dash?.stop()
    await t2?.stop()
  })

  it("shows the entity's weights; after `lattice shift` the observed split, numbers and chart, moves to the new weight", async () => {
    const before = await until(shown, (s) => s.rows.v1?.weight === 100 && (s.rows.v1?.observed ?? 0) > 95)
    expect(before.rows.v1).toMatchObject({ weight: 100 })
    expect(before.rows.v1.observed).toBeGreaterThan(95)
    expect(before.rows.v2?.weight).toBe(0)
    await shot('dashboard-before-shift.png')

    const r = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40'], env())
    expect(r.code, r.stderr).toBe(0)
    // A frame is one second of calls: 40% give or take what 1 s of traffic allows.
    const near = (x: number | null | undefined) => x !== null && x !== undefined && Math.abs(x - 40) <= 12
    const after = await until(shown, (s) => s.rows.v2?.weight === 40 && near(s.rows.v2?.observed) && near(s.chart.v2))
    expect(after.rows.v2.weight).toBe(40)
    expect(after.rows.v1.weight).toBe(60)
    expect(near(after.rows.v2.observed), JSON.stringify(after)).toBe(true)
    expect(near(after.chart.v2), JSON.stringify(after)).toBe(true)
    await shot('dashboard.png')
  }, 120_000)

  it('an action without the token, or with a wrong one, is refused and changes nothing', async () => {
    const before = await weights()
    const statuses = await page.evaluate(async (id) => {
      const body = JSON.stringify({ entity: { kind: 'actor', id } })
      const post = (headers: Record<string, string>) =>
        fetch('/api/rollout/abort', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body,
        }).then((a) => a.status)
      const rollback = (headers: Record<string, string>) =>
        fetch('/api/rollback', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ revision: 1 }),
        }).then((a) => a.status)
      return [
        await post({}),
        await post({ 'X-Lattice-Token': 'not-the-token' }),
        await rollback({}),
        await rollback({ 'X-Lattice-Token': 'x' }),
      ]
    }, actor)
    // No token: 401 (who are you?); a wrong one: 403.
    expect(statuses).toEqual([401, 403, 401, 403])
    expect(await weights()).toEqual(before)
  }, 60_000)

  it('the token is out of the address bar, and a reload keeps working (the tab keeps the token)', async () => {
    expect(page.url()).not.toContain('token')
    await page.reload()
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { __latticeDashboard?: { frames: number } }).__latticeDashboard?.frames ?? 0) > 0,
      undefined,
      { timeout: 30_000 },
    )
    const s = await until(shown, (x) => x.rows.v2?.weight !== undefined)
    expect(s.rows.v2.weight).toBe((await weights()).v2 ?? 0)
  }, 60_000)

  it('Abort on a running rollout restores the stable weights', async () => {
    const stable = await weights()
    const runner = t2.background([
      'rollout',
      'actor',
      actor,
      '--from',
      'v1',
      '--to',
      'v2',
      '--steps',
      '70,100',
      '--interval',
      '120s',
      '--no-analysis',
    ])
    try {
      const abort = `[data-rollout="${key}"][data-phase="running"] button[data-action="abort"]`
      await page.waitForSelector(abort, { timeout: 60_000 })
      expect(await weights()).toEqual({ v1: 30, v2: 70 })
      await until(shown, (s) => s.rows.v2?.weight === 70, 20_000)
      await shot('dashboard-rollout.png')
      page.once('dialog', (d) => void d.accept())
      await page.click(abort)
      expect((await runner.done).code, runner.output()).toBe(ExitCode.ROLLED_BACK)
      expect(await weights()).toEqual(stable)
      await page.waitForSelector(`[data-rollout="${key}"][data-phase="rolled-back"]`, { timeout: 30_000 })
      const back = await until(shown, (s) => s.rows.v2?.weight === stable.v2, 20_000)
      expect(back.rows.v2.weight).toBe(stable.v2)
      await shot('dashboard-aborted.png')
    } finally {
      await runner.stop()
    }
  }, 180_000)
})
