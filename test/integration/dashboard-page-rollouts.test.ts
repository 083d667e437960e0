/**
 * The dashboard page's rollouts and history in headless Chromium against the fixture server:
 * actions appear only when allowed, ask first and are POSTed with the token header, the
 * server's refusal is shown, the analysis is a table, read-only hides every action.
 */
import { describe, expect, it } from 'vitest'
import type { HistoryEvent, RolloutView, RolloutsEvent } from '../../src/dashboard/model.js'
import { noBrowser, openDashboard } from '../helpers/browser.js'
import { useDashboardPage, until } from '../helpers/dashboard-page-suite.js'
import { skipIf } from '../helpers/skips.js'

const now = () => new Date().toISOString()
const JUDGEMENT = {
  head: 'PASS over 10.0 s',
  columns: ['VERSION', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99'],
  rows: [
    ['v2 (canary)', '512', '0.2%', '4.1 ms', '12 ms', '20 ms'],
    ['v1 (stable)', '1530', '0.1%', '4.0 ms', '11 ms', '19 ms'],
  ],
  verdicts: ['PASS p95: v2 12 ms vs v1 11 ms'],
}
/** An early pass by the sequential judge: its head says when and why (src/analysis/sequential-stop.ts). */
const SEQUENTIAL_HEAD =
  'PASS (sequential judge, 43.1 s into the step: error-rate e-value 4.17e+8 at α=0.025, a likelihood ratio of the error rates, on 3000 canary and 30000 stable calls)'
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
  analysis: { summary: 'on; this step: pass', judgement: JUDGEMENT },
  who: 'ann@box',
  startedAt: now(),
  updatedAt: now(),
  events: [{ time: now(), text: 'step 2: v2 25%' }],
  canAbort: true,
  canPromote: false,
  ...over,
})
const ROLLOUTS: RolloutsEvent = {
  rollouts: [
    rollout('echo-000', { phase: 'running', canAbort: true, canPromote: false }),
    rollout('echo-001', { phase: 'paused', canAbort: true, canPromote: true }),
    rollout('echo-002', {
      phase: 'completed',
      canAbort: false,
      canPromote: false,
      step: 4,
      analysis: { summary: 'on; this step: pass', judgement: { ...JUDGEMENT, head: SEQUENTIAL_HEAD } },
    }),
  ],
}
const HISTORY: HistoryEvent = {
  revisions: [
    {
      revision: 12,
      time: now(),
      who: 'ann@box',
      command: 'lattice shift component echo-000 v2=25',
      changes: ['component echo-000: v2 0 -> 25'],
      canRollBack: false,
    },
    {
      revision: 11,
      time: now(),
      who: 'bob@box',
      command: 'lattice shift component echo-001 v2=10',
      changes: ['component echo-001: v2 0 -> 10'],
      canRollBack: true,
    },
  ],
}

describe('dashboard page in headless Chromium: rollouts and actions', skipIf(noBrowser), () => {
  const suite = useDashboardPage()

  it('shows Abort and Promote only when allowed, asks first, and POSTs with the token header', async () => {
    const f = await suite.start({ entities: 3, rollouts: ROLLOUTS, history: HISTORY })
    const page = await openDashboard(suite.browser, f.url)
    await page.locator('[data-rollout]').first().waitFor()
    const buttons = async (key: string) =>
      (
        await page
          .locator(`[data-rollout="${key}"] button[data-action]`)
          .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')))
      ).sort()
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
    await page
      .locator('[data-rollout="component echo-001"] .answer.ok', { hasText: 'done: /api/rollout/promote' })
      .waitFor()

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
    const f = await suite.start({ entities: 1, rollouts: ROLLOUTS })
    const page = await openDashboard(suite.browser, f.url)
    for (const [key, head] of [
      ['component echo-000', 'PASS over 10.0 s'],
      ['component echo-002', SEQUENTIAL_HEAD],
    ]) {
      const box = page.locator(`[data-rollout="${key}"] .analysis`)
      await box.waitFor()
      expect(await box.locator('li').count()).toBe(0)
      expect(await box.locator('th').allTextContents()).toEqual(['version', 'calls', 'errors', 'p50', 'p95', 'p99'])
      const rows = await box
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))
      expect(rows).toEqual([
        ['v2 (canary)', '512', '0.2%', '4.1 ms', '12 ms', '20 ms'],
        ['v1 (stable)', '1530', '0.1%', '4.0 ms', '11 ms', '19 ms'],
      ])
      expect(await box.textContent()).toContain('Analysis: on; this step: pass')
      expect(await box.textContent()).toContain(head)
      expect(await box.locator('.pass').textContent()).toBe('PASS p95: v2 12 ms vs v1 11 ms')
    }
    await page.close()
  })

  it("shows the server's refusal of an action", async () => {
    const f = await suite.start({
      entities: 1,
      rollouts: { rollouts: [rollout('echo-000', {})] },
      answer: () => ({
        status: 409,
        body: {
          ok: false,
          error: { code: 'ROLLOUT_DONE', message: 'the rollout has already ended', hint: 'reload the list' },
        },
      }),
    })
    const page = await openDashboard(suite.browser, f.url)
    page.once('dialog', (d) => void d.accept())
    await page.locator('button[data-action="abort"]').click()
    await page.locator('.answer.bad', { hasText: 'the rollout has already ended' }).waitFor()
    await page.close()
  })

  it('read-only shows the rollouts and hides every action; an active rollout shows its live observed share', async () => {
    // The fixture says canAbort/canPromote even in read-only: the page hides them on its own too.
    const f = await suite.start({ entities: 2, readOnly: true, rollouts: ROLLOUTS, history: HISTORY })
    const page = await openDashboard(suite.browser, f.url)
    await page.locator('[data-revision="11"]').waitFor()
    expect(await page.locator('#read-only').isVisible()).toBe(true)
    expect(await page.locator('#rollouts').isVisible()).toBe(true)
    expect(await page.locator('[data-rollout]').count()).toBe(3)
    expect(await page.locator('button[data-action]').count()).toBe(0)
    await page
      .locator('[data-rollout="component echo-000"] .live', { hasText: /^v2 now: \d+(\.\d)?% of the calls$/ })
      .waitFor()
    expect(await page.locator('[data-rollout="component echo-002"] .live').textContent()).toBe('')
    await page.close()
  })
})
