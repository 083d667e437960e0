/**
 * The dashboard page's integration files share this: headless Chromium for the whole file, a
 * stand-in server (dashboard-fixture.ts) for each test, and polls of what the page shows.
 */
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { type TestBrowser, launchBrowser } from './browser.js'
import { type DashboardFixture, type FixtureOptions, startDashboardFixture } from './dashboard-fixture.js'

export interface DashboardPageSuite {
  /** The browser, launched before the file's tests. */
  browser: TestBrowser
  /** Start this test's stand-in server (closed after the test). */
  start(o: FixtureOptions): Promise<DashboardFixture>
  /** Close this test's stand-in server now (the page loses its server). */
  close(): Promise<void>
}

/** Call inside the describe block (skipped without Chromium). */
export function useDashboardPage(): DashboardPageSuite {
  let fx: DashboardFixture | undefined
  const suite = {
    start: async (o: FixtureOptions) => (fx = await startDashboardFixture(o)),
    async close() {
      await fx?.close()
      fx = undefined
    },
  } as DashboardPageSuite
  beforeAll(async () => {
    suite.browser = await launchBrowser()
  })
  afterAll(async () => {
    await suite.browser?.close()
  })
  afterEach(() => suite.close())
  return suite
}

/** Polls fn in the page until it returns a truthy value (deadline, not a fixed sleep). */
export async function until<T>(
  page: Page,
  fn: () => T | Promise<T>,
  what: string,
  ms = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`)
    await page.waitForTimeout(100)
  }
}

/** The version rows of entity `key`'s card: version, set weight and observed share. */
export const versionAttrs = (page: Page, key: string) =>
  page.$$eval(`[data-entity="${key}"] tr[data-version]`, (rows) =>
    rows.map((r) => ({
      version: r.getAttribute('data-version'),
      weight: Number(r.getAttribute('data-weight')),
      observed: Number(r.getAttribute('data-observed')),
    })),
  )
