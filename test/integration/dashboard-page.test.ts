/**
 * The dashboard's page in headless Chromium against the fixture server (dashboard-fixture.ts:
 * the page files and made-up SSE events, no NATS): weights shown, frames move the observed
 * values and the chart, actions appear only when allowed and are POSTed with the token header,
 * read-only hides every action, the token leaves the address bar, charts only for cards near the
 * screen, screenshots work. End-to-end tests against a real `lattice dashboard` use the same helpers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HistoryEvent, RolloutView, RolloutsEvent } from '../../src/dashboard/model.js'
import { skipIf } from '../helpers/skips.js'
import { type TestBrowser, dashboardStats, launchBrowser, noBrowser, openDashboard } from '../helpers/browser.js'
import { type DashboardFixture, type FixtureOptions, startDashboardFixture } from '../helpers/dashboard-fixture.js'

const now = () => new Date().toISOString()
const rollout = (id: string, over: Partial<RolloutView>): RolloutView => ({
  key: `component ${id}`,
  entity: { kind: 'component', id },
  label: `component ${id}`,
  phase: 'running',
  from: 'v1',
  to: 'v2',
  step: 2,
  steps: 4,
  setWeight: 25,
  observedWeight: 24.1,
  gates: [{ gate: 'error-rate', pass: true, detail: '0.1% <= 1%' }],
  analysis: {
    summary: 'on; this step: pass',
    judgement: { head: 'PASS over 10.0 s', columns: ['VERSION', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99'], rows: [['v2 (canary)', '512', '0.2%', '4.1 ms', '12 ms', '20 ms'], ['v1 (stable)', '1530', '0.1%', '4.0 ms', '11 ms', '19 ms']], verdicts: ['PASS p95: v2 12 ms vs v1 11 ms'] },
  },
  who: 'ann@box',
  startedAt: now(),
  updatedAt: now(),
  events: [{ time: now(), text: 'step 2: v2 25%' }],
  canAbort: true,
  canPromote: false,
  ...over,
})
const ROLLOUTS: RolloutsEvent = {
  rollouts: [rollout('echo-000', { phase: 'running', canAbort: true, canPromote: false }), rollout('echo-001', { phase: 'paused', canAbort: true, canPromote: true }), rollout('echo-002', { phase: 'completed', canAbort: false, canPromote: false, step: 4 })],
}
const HISTORY: HistoryEvent = {
  revisions: [
    { revision: 12, time: now(), who: 'ann@box', command: 'lattice shift component echo-000 v2=25', changes: ['component echo-000: v2 0 -> 25'], canRollBack: false },
    { revision: 11, time: now(), who: 'bob@box', command: 'lattice shift component echo-001 v2=10', changes: ['component echo-001: v2 0 -> 10'], canRollBack: true },
  ],
}

let browser: TestBrowser
let fx: DashboardFixture | undefined
const start = async (o: FixtureOptions) => (fx = await startDashboardFixture(o))

/** Polls fn in the page until it returns a truthy value (deadline, not a fixed sleep). */
async function until<T>(page: Page, fn: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`)
    await page.waitForTimeout(100)
  }
}

const versionAttrs = (page: Page, key: string) =>
  page.$$eval(`[data-entity="${key}"] tr[data-version]`, (rows) => rows.map((r) => ({ version: r.getAttribute('data-version'), weight: Number(r.getAttribute('data-weight')), observed: Number(r.getAttribute('data-observed')) })))

describe('dashboard page in headless Chromium', skipIf(noBrowser), () => {
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(async () => {
    await fx?.close()
    fx = undefined
  })

  it("shows each entity's set weights, and takes the token out of the address bar", async () => {
    const f = await start({ entities: 4, versions: 3 })
    f.setWeights(f.keys[2], { v1: 60, v2: 30, v3: 10 })
    const page = await openDashboard(browser, f.url)
    const rows = await until(page, async () => {
      const r = await versionAttrs(page, f.keys[2])
      return r.length === 3 && r[0].weight === 60 ? r : undefined
    }, 'the weights of the third entity')
    expect(rows.map((r) => [r.version, r.weight])).toEqual([['v1', 60], ['v2', 30], ['v3', 10]])
    expect(await page.locator('[data-entity]').count()).toBe(4)
    // The token is gone from the URL, kept for this tab, and used for the event stream.
    expect(page.url()).not.toContain(f.token)
    expect(await page.evaluate("sessionStorage.getItem('lattice-dashboard-token')")).toBe(f.token)
    expect(f.connections).toBe(1)
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live')
    await page.close()
  })

  it('frames move the observed values and the chart to a new weight', async () => {
    const f = await start({ entities: 3, versions: 2, intervalMs: 250, backfillPoints: 20 })
    const key = f.keys[0]
    const page = await openDashboard(browser, f.url)
    const before = await dashboardStats(page)
    f.setWeights(key, { v1: 10, v2: 90 })
    await until(page, async () => {
      const r = await versionAttrs(page, key)
      return r[1]?.weight === 90 && r[1].observed > 85
    }, 'v2 observed above 85%')
    const chart = await until(page, async () => {
      const j = await page.locator(`[data-entity="${key}"]`).getAttribute('data-chart-observed')
      const c = j ? (JSON.parse(j) as Record<string, number>) : undefined
      return c && c.v2 > 85 && c.v1 < 15 ? c : undefined
    }, "the chart's last observed value of v2 above 85%")
    expect(chart.v2).toBeGreaterThan(85)
    const after = await dashboardStats(page)
    expect(after.frames).toBeGreaterThan(before.frames)
    expect(after.lastFrameT).toBeGreaterThan(before.lastFrameT)
    expect(after.chartsCreated).toBeGreaterThan(0)
    await page.close()
  })

  it('shows Abort and Promote only when allowed, asks first, and POSTs with the token header', async () => {
    const f = await start({ entities: 3, rollouts: ROLLOUTS, history: HISTORY })
    const page = await openDashboard(browser, f.url)
    await page.locator('[data-rollout]').first().waitFor()
    const buttons = async (key: string) => (await page.locator(`[data-rollout="${key}"] button[data-action]`).evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')))).sort()
    expect(await buttons('component echo-000')).toEqual(['abort'])
    expect(await buttons('component echo-001')).toEqual(['abort', 'promote'])
    expect(await buttons('component echo-002')).toEqual([])
    expect(await page.locator('[data-rollout="component echo-002"]').getAttribute('data-phase')).toBe('completed')

    // Saying no to the question sends nothing.
    page.once('dialog', (d) => void d.dismiss())
    await page.locator('[data-rollout="component echo-000"] button[data-action="abort"]').click()
    await page.waitForTimeout(300)
    expect(f.posted).toHaveLength(0)

    page.once('dialog', (d) => void d.accept())
    await page.locator('[data-rollout="component echo-001"] button[data-action="promote"]').click()
    await until(page, () => f.posted.length === 1, 'the promote POST')
    expect(f.posted[0].path).toBe('/api/rollout/promote')
    expect(f.posted[0].headers['x-lattice-token']).toBe(f.token)
    expect(f.posted[0].headers['content-type']).toBe('application/json')
    expect(f.posted[0].body).toEqual({ entity: { kind: 'component', id: 'echo-001' } })
    await page.locator('[data-rollout="component echo-001"] .answer.ok', { hasText: 'done: /api/rollout/promote' }).waitFor()

    // History: only revisions that can be rolled back to have the button.
    expect(await page.locator('[data-revision="12"] button[data-action="rollback"]').count()).toBe(0)
    page.once('dialog', (d) => void d.accept())
    await page.locator('[data-revision="11"] button[data-action="rollback"]').click()
    await until(page, () => f.posted.length === 2, 'the rollback POST')
    expect(f.posted[1]).toMatchObject({ path: '/api/rollback', body: { revision: 11 } })
    expect(f.posted[1].headers['x-lattice-token']).toBe(f.token)
    await page.close()
  })

  it("draws a rollout's analysis, running or completed, as a table of the versions' figures", async () => {
    // Regression: the analysis came as the terminal's lines, one bullet each, the table's columns run together.
    const f = await start({ entities: 1, rollouts: ROLLOUTS })
    const page = await openDashboard(browser, f.url)
    for (const key of ['component echo-000', 'component echo-002']) {
      const box = page.locator(`[data-rollout="${key}"] .analysis`)
      await box.waitFor()
      expect(await box.locator('li').count()).toBe(0)
      expect(await box.locator('th').allTextContents()).toEqual(['version', 'calls', 'errors', 'p50', 'p95', 'p99'])
      const rows = await box.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
      expect(rows).toEqual([['v2 (canary)', '512', '0.2%', '4.1 ms', '12 ms', '20 ms'], ['v1 (stable)', '1530', '0.1%', '4.0 ms', '11 ms', '19 ms']])
      expect(await box.textContent()).toContain('Analysis: on; this step: pass')
      expect(await box.locator('.pass').textContent()).toBe('PASS p95: v2 12 ms vs v1 11 ms')
    }
    await page.close()
  })

  it('says "connecting…" until the first frame, "No routed entity yet." after it, and when the connection is lost', async () => {
    // Regression: "No routed entity yet." while the dashboard had not yet heard from NATS.
    const f = await start({ entities: 0, framesPaused: true })
    const page = await browser.newPage()
    await page.goto(f.url)
    await until(page, async () => (await page.locator('#conn').getAttribute('data-state')) === 'live', 'the hello')
    await page.waitForTimeout(300)
    expect(await page.locator('#entities-empty').textContent()).toBe('connecting…')
    f.pauseFrames(false)
    await page.locator('#entities-empty', { hasText: 'No routed entity yet.' }).waitFor()
    await f.close()
    fx = undefined
    await page.locator('#entities-empty', { hasText: "Connection to lattice dashboard's server lost; retrying…" }).waitFor()
    await page.close()
  })

  it("shows the server's refusal of an action", async () => {
    const f = await start({ entities: 1, rollouts: { rollouts: [rollout('echo-000', {})] }, answer: () => ({ status: 409, body: { ok: false, error: { code: 'ROLLOUT_DONE', message: 'the rollout has already ended', hint: 'reload the list' } } }) })
    const page = await openDashboard(browser, f.url)
    page.once('dialog', (d) => void d.accept())
    await page.locator('button[data-action="abort"]').click()
    await page.locator('.answer.bad', { hasText: 'the rollout has already ended' }).waitFor()
    await page.close()
  })

  it('read-only shows the rollouts and hides every action; an active rollout shows its live observed share', async () => {
    // The fixture says canAbort/canPromote even in read-only: the page hides them on its own too.
    const f = await start({ entities: 2, readOnly: true, rollouts: ROLLOUTS, history: HISTORY })
    const page = await openDashboard(browser, f.url)
    await page.locator('[data-revision="11"]').waitFor()
    expect(await page.locator('#read-only').isVisible()).toBe(true)
    expect(await page.locator('#rollouts').isVisible()).toBe(true)
    expect(await page.locator('[data-rollout]').count()).toBe(3)
    expect(await page.locator('button[data-action]').count()).toBe(0)
    await page.locator('[data-rollout="component echo-000"] .live', { hasText: /^v2 now: \d+(\.\d)?% of the calls$/ }).waitFor()
    expect(await page.locator('[data-rollout="component echo-002"] .live').textContent()).toBe('')
    await page.close()
  })

  it('shows feed errors until the next frame, and a banner when the server goes away', async () => {
    const f = await start({ entities: 1 })
    const page = await openDashboard(browser, f.url)
    // A feed error shows until the next good event (no frames meanwhile, so it stays).
    f.pauseFrames(true)
    f.send('feed-error', { code: 'NATS_DISCONNECTED', message: 'lost the connection to NATS' })
    await page.locator('#banner', { hasText: 'lost the connection to NATS' }).waitFor()
    f.pauseFrames(false)
    await page.locator('#banner').waitFor({ state: 'hidden' })
    await f.close()
    fx = undefined
    await page.locator('#banner', { hasText: 'Disconnected' }).waitFor()
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('disconnected')
    await page.close()
  })

  it('reconnects when the event stream drops, and goes on drawing', async () => {
    const f = await start({ entities: 2, intervalMs: 250, backfillPoints: 10 })
    const page = await openDashboard(browser, f.url)
    f.dropClients()
    await until(page, () => f.connections === 2, 'a second connection')
    await until(page, async () => (await dashboardStats(page)).connects === 2, 'the second hello')
    const before = await dashboardStats(page)
    f.setWeights(f.keys[1], { v1: 0, v2: 100 })
    await until(page, async () => (await versionAttrs(page, f.keys[1]))[1]?.observed > 95, 'v2 observed above 95% after the reconnect')
    expect((await dashboardStats(page)).frames).toBeGreaterThan(before.frames)
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live')
    expect(await page.locator('#banner').isVisible()).toBe(false)
    expect(await page.locator('[data-entity]').count()).toBe(2)
    await page.close()
  })

  it('filters entities, creates charts only for cards near the screen, and takes a screenshot', async () => {
    const f = await start({ entities: 120, versions: 2, metrics: true })
    const page = await openDashboard(browser, f.url)
    await until(page, async () => (await page.locator('[data-entity]').count()) === 120, '120 cards')
    const s = await until(page, async () => {
      const st = await dashboardStats(page)
      return st.chartsLive > 0 ? st : undefined
    }, 'the first charts')
    // Each card has 3 charts (observed, error %, p95); only cards on or near the screen get them.
    expect(s.chartsLive).toBeLessThan(120 * 3 / 2)
    const last = f.keys[119]
    expect(await page.locator(`[data-entity="${last}"]`).getAttribute('data-chart-observed')).toBeNull()
    await page.locator(`[data-entity="${last}"]`).scrollIntoViewIfNeeded()
    await until(page, async () => (await page.locator(`[data-entity="${last}"]`).getAttribute('data-chart-observed')) !== null, 'a chart on the last card once scrolled to')

    await page.locator('#filter').fill('echo-007')
    await until(page, async () => (await page.locator('[data-entity]:visible').count()) === 1, 'one card left by the filter')
    expect(await page.locator('[data-entity]:visible').getAttribute('data-entity')).toBe(f.keys[7])

    const dir = mkdtempSync(join(tmpdir(), 'lattice-shot-'))
    try {
      const file = join(dir, 'dashboard.png')
      await page.screenshot({ path: file })
      expect(existsSync(file)).toBe(true)
      const png = readFileSync(file)
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      expect(png.length).toBeGreaterThan(10_000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    await page.close()
  })
})
