/**
 * The dashboard page's connection in headless Chromium against the fixture server: "connecting…"
 * before the first frame, feed errors and the banner when the server goes away, the reconnect
 * when the event stream drops.
 */
import { describe, expect, it } from 'vitest'
import { dashboardStats, noBrowser, openDashboard } from '../helpers/browser.js'
import { useDashboardPage, until, versionAttrs } from '../helpers/dashboard-page-suite.js'
import { skipIf } from '../helpers/skips.js'

describe('dashboard page in headless Chromium: its connection', skipIf(noBrowser), () => {
  const suite = useDashboardPage()

  it('says "connecting…" until the first frame, "No routed entity yet." after it, and when the connection is lost', async () => {
    // Regression: "No routed entity yet." while the dashboard had not yet heard from NATS.
    const f = await suite.start({ entities: 0, framesPaused: true })
    const page = await suite.browser.newPage()
    await page.goto(f.url)
    await until(page, async () => (await page.locator('#conn').getAttribute('data-state')) === 'live', 'the hello')
    await page.waitForTimeout(300)
    expect(await page.locator('#entities-empty').textContent()).toBe('connecting…')
    f.pauseFrames(false)
    await page.locator('#entities-empty', { hasText: 'No routed entity yet.' }).waitFor()
    await suite.close()
    await page
      .locator('#entities-empty', { hasText: "Connection to lattice dashboard's server lost; retrying…" })
      .waitFor()
    await page.close()
  })

  it('shows feed errors until the next frame, and a banner when the server goes away', async () => {
    const f = await suite.start({ entities: 1 })
    const page = await openDashboard(suite.browser, f.url)
    // A feed error shows until the next good event (no frames meanwhile, so it stays).
    f.pauseFrames(true)
    f.send('feed-error', { code: 'NATS_DISCONNECTED', message: 'lost the connection to NATS' })
    await page.locator('#banner', { hasText: 'lost the connection to NATS' }).waitFor()
    f.pauseFrames(false)
    await page.locator('#banner').waitFor({ state: 'hidden' })
    await suite.close()
    await page.locator('#banner', { hasText: 'Disconnected' }).waitFor()
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('disconnected')
    await page.close()
  })

  it('reconnects when the event stream drops, and goes on drawing', async () => {
    const f = await suite.start({ entities: 2, intervalMs: 250, backfillPoints: 10 })
    const page = await openDashboard(suite.browser, f.url)
    f.dropClients()
    await until(page, () => f.connections === 2, 'a second connection')
    await until(page, async () => (await dashboardStats(page)).connects === 2, 'the second hello')
    const before = await dashboardStats(page)
    f.setWeights(f.keys[1], { v1: 0, v2: 100 })
    await until(
      page,
      async () => (await versionAttrs(page, f.keys[1]))[1]?.observed > 95,
      'v2 observed above 95% after the reconnect',
    )
    expect((await dashboardStats(page)).frames).toBeGreaterThan(before.frames)
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live')
    expect(await page.locator('#banner').isVisible()).toBe(false)
    expect(await page.locator('[data-entity]').count()).toBe(2)
    await page.close()
  })
})
