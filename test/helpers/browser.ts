/**
 * Headless Chromium for page tests and the dashboard benchmark: Debian's /usr/bin/chromium
 * (scripts/ensure-chromium.js installs it) driven by playwright-core, which never downloads a
 * browser of its own. Each launch gets a fresh profile directory, removed on close. Works
 * against any base URL (the fixture of dashboard-fixture.ts or a real `lattice dashboard`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core'
import type { PageStats } from '../../src/dashboard/model.js'
import { CHROMIUM, skips } from './skips.js'

export { CHROMIUM }

/** Why browser tests cannot run here, or undefined when they can (test/helpers/skips.ts). */
export const noBrowser: string | undefined = skips.noChromium()

// Without the background-networking flags Chromium keeps trying to reach Google's services,
// which a closed network refuses many times a second.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--no-default-browser-check',
  '--mute-audio',
]

export interface TestBrowser {
  context: BrowserContext
  browser?: Browser
  newPage(viewport?: { width: number; height: number }): Promise<Page>
  close(): Promise<void>
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (noBrowser) throw new Error(noBrowser)
  const profile = mkdtempSync(join(tmpdir(), 'lattice-chromium-'))
  // A persistent context is how playwright passes our own --user-data-dir (a fresh tmp one).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 60_000,
  })
  return {
    context,
    async newPage(viewport = { width: 1280, height: 800 }) {
      const page = await context.newPage()
      await page.setViewportSize(viewport)
      return page
    },
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** What the page keeps for tests and benchmarks (src/dashboard/model.ts). */
export type DashboardStats = PageStats

/** window.__latticeDashboard of a dashboard page. */
export const dashboardStats = (page: Page): Promise<DashboardStats> =>
  page.evaluate(() => (globalThis as unknown as { __latticeDashboard: DashboardStats }).__latticeDashboard)

/** Opens a dashboard URL (with its ?token=) and waits until the page has drawn its first frame. */
export async function openDashboard(
  b: TestBrowser,
  url: string,
  viewport?: { width: number; height: number },
): Promise<Page> {
  const page = await b.newPage(viewport)
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url)
  try {
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as { __latticeDashboard?: { frames: number } }).__latticeDashboard?.frames ?? 0) > 0,
      undefined,
      { timeout: 30_000 },
    )
  } catch (e) {
    throw new Error(
      `the dashboard drew no frame within 30 s${errors.length ? `; page errors: ${errors.join('; ')}` : ''}: ${(e as Error).message}`,
    )
  }
  return page
}
