/**
 * The dashboard's page in headless Chromium against the fixture server (dashboard-fixture.ts:
 * the page files and made-up SSE events, no NATS): weights shown, frames move the observed
 * values and the chart, the token leaves the address bar, charts only for cards near the
 * screen, the filter, screenshots work. Rollouts and actions: dashboard-page-rollouts.test.ts;
 * the connection's states: dashboard-page-connection.test.ts. End-to-end tests against a real
 * `lattice dashboard` use the same helpers.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dashboardStats, noBrowser, openDashboard } from '../helpers/browser.js'
import { useDashboardPage, until, versionAttrs } from '../helpers/dashboard-page-suite.js'
import { skipIf } from '../helpers/skips.js'

describe('dashboard page in headless Chromium', skipIf(noBrowser), () => {
  const suite = useDashboardPage()

  it("shows each entity's set weights, and takes the token out of the address bar", async () => {
    const f = await suite.start({ entities: 4, versions: 3 })
    f.setWeights(f.keys[2], { v1: 60, v2: 30, v3: 10 })
    const page = await openDashboard(suite.browser, f.url)
    const rows = await until(
      page,
      async () => {
        const r = await versionAttrs(page, f.keys[2])
        return r.length === 3 && r[0].weight === 60 ? r : undefined
      },
      'the weights of the third entity',
    )
    expect(rows.map((r) => [r.version, r.weight])).toEqual([
      ['v1', 60],
      ['v2', 30],
      ['v3', 10],
    ])
    expect(await page.locator('[data-entity]').count()).toBe(4)
    // The token is gone from the URL, kept for this tab, and used for the event stream.
    expect(page.url()).not.toContain(f.token)
    expect(await page.evaluate("sessionStorage.getItem('lattice-dashboard-token')")).toBe(f.token)
    expect(f.connections).toBe(1)
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live')
    await page.close()
  })

  it('frames move the observed values and the chart to a new weight', async () => {
    const f = await suite.start({ entities: 3, versions: 2, intervalMs: 250, backfillPoints: 20 })
    const key = f.keys[0]
    const page = await openDashboard(suite.browser, f.url)
    const before = await dashboardStats(page)
    f.setWeights(key, { v1: 10, v2: 90 })
    await until(
      page,
      async () => {
        const r = await versionAttrs(page, key)
        return r[1]?.weight === 90 && r[1].observed > 85
      },
      'v2 observed above 85%',
    )
    const chart = await until(
      page,
      async () => {
        const j = await page.locator(`[data-entity="${key}"]`).getAttribute('data-chart-observed')
        const c = j ? (JSON.parse(j) as Record<string, number>) : undefined
        return c && c.v2 > 85 && c.v1 < 15 ? c : undefined
      },
      "the chart's last observed value of v2 above 85%",
    )
    expect(chart.v2).toBeGreaterThan(85)
    const after = await dashboardStats(page)
    expect(after.frames).toBeGreaterThan(before.frames)
    expect(after.lastFrameT).toBeGreaterThan(before.lastFrameT)
    expect(after.chartsCreated).toBeGreaterThan(0)
    await page.close()
  })

  it('filters entities, creates charts only for cards near the screen, and takes a screenshot', async () => {
    const f = await suite.start({ entities: 120, versions: 2, metrics: true })
    const page = await openDashboard(suite.browser, f.url)
    await until(page, async () => (await page.locator('[data-entity]').count()) === 120, '120 cards')
    const s = await until(
      page,
      async () => {
        const st = await dashboardStats(page)
        return st.chartsLive > 0 ? st : undefined
      },
      'the first charts',
    )
    // Each card has 3 charts (observed, error %, p95); only cards on or near the screen get them.
    expect(s.chartsLive).toBeLessThan((120 * 3) / 2)
    const last = f.keys[119]
    expect(await page.locator(`[data-entity="${last}"]`).getAttribute('data-chart-observed')).toBeNull()
    await page.locator(`[data-entity="${last}"]`).scrollIntoViewIfNeeded()
    await until(
      page,
      async () => (await page.locator(`[data-entity="${last}"]`).getAttribute('data-chart-observed')) !== null,
      'a chart on the last card once scrolled to',
    )

    await page.locator('#filter').fill('echo-007')
    await until(
      page,
      async () => (await page.locator('[data-entity]:visible').count()) === 1,
      'one card left by the filter',
    )
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
