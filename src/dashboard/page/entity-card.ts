/// <reference types="uplot" />
// An entity's card in the Entities section: its state, its static part (title, version table,
// chart boxes) and its text.
import type { EntityFrame, VersionFrame } from '../model.js'
import type { Series } from './charts.js'
import { colour, el, pct, setAttr, setText } from './dom.js'

/** One routed entity: its series, and its card while it has one. */
export interface Entity {
  key: string
  frame?: EntityFrame
  /** Version -> series, aligned with Store.t. */
  series: Map<string, Series>
  card?: HTMLElement
  /** The version list the card's table and charts were built for. */
  builtFor: string
  hasMetrics: boolean
  /** Near the viewport: has charts. */
  visible: boolean
  /** In the viewport: its charts are redrawn with each update. */
  onScreen: boolean
  /** Its charts missed updates while off screen. */
  stale: boolean
  /** Its text missed updates while far from the screen. */
  textStale: boolean
  /** The version table's rows, by version. */
  rows: Map<string, HTMLElement>
  charts: uPlot[]
}

/** The card's static part (title, version table, chart boxes) for the versions of `f`; the rows by version. */
export function cardContent(f: EntityFrame, hasMetrics: boolean): { parts: Node[]; rows: Map<string, HTMLElement> } {
  const head = el(
    'div',
    { class: 'card-head' },
    el('h3', {}, f.label),
    el('span', { class: 'badge' }, f.scheme),
    el('span', { class: 'muted observed-by' }),
    el('span', { class: 'badge warn drop', hidden: '' }),
  )
  const rows = f.versions.map((v) =>
    el(
      'tr',
      { 'data-version': v.version },
      el('td', {}, el('span', { class: 'swatch' }), v.version),
      el('td', { class: 'weight' }),
      el('td', { class: 'observed' }),
      el('td', { class: 'rate' }),
      el('td', { class: 'instances' }),
    ),
  )
  rows.forEach((r, i) => ((r.querySelector('.swatch') as HTMLElement).style.background = colour(i)))
  const table = el(
    'table',
    { class: 'versions' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', {}, 'version'),
        el('th', {}, 'set weight'),
        el('th', {}, 'observed'),
        el('th', {}, 'calls/s'),
        el('th', {}, 'instances'),
      ),
    ),
    el('tbody', {}, ...rows),
  )
  const main = el('div', { class: 'chart-main' })
  const parts: Node[] = [
    head,
    table,
    el('p', { class: 'chart-title' }, 'observed % (solid) and set weight (dashed) per version, last 15 minutes'),
    main,
  ]
  if (hasMetrics)
    parts.push(
      el(
        'div',
        { class: 'chart-small-row' },
        el('div', {}, el('p', { class: 'chart-title' }, 'error %'), el('div', { class: 'chart-err' })),
        el('div', {}, el('p', { class: 'chart-title' }, 'p95 ms'), el('div', { class: 'chart-p95' })),
      ),
    )
  return { parts, rows: new Map(f.versions.map((v, i) => [v.version, rows[i]])) }
}

/** The card's text: who observed, the fault, and each version's row. */
export function updateCardText(card: HTMLElement, f: EntityFrame, rows: Map<string, HTMLElement>): void {
  const ob = card.querySelector('.observed-by')
  if (ob) setText(ob, f.observedBy ? `observed by ${f.observedBy}` : '')
  const drop = card.querySelector<HTMLElement>('.drop')
  if (drop) {
    drop.hidden = !f.drop
    setText(drop, f.drop ? `fault: ${f.drop}% dropped` : '')
  }
  for (const v of f.versions) {
    const row = rows.get(v.version)
    if (row) updateRow(row, v)
  }
}

/** The values the main chart ends with per version, for tests ("the chart moved"). */
export function chartEnds(main: uPlot, f: EntityFrame): Record<string, number | null> {
  const last: Record<string, number | null> = {}
  f.versions.forEach((v, i) => {
    const a = main.data[1 + i * 2] as (number | null)[]
    let x: number | null = null
    for (let j = a.length - 1; j >= 0 && x === null; j--) x = a[j] ?? null
    last[v.version] = x
  })
  return last
}

/** What the card's layout depends on: its versions, and whether it has the metrics charts. */
export const layoutOf = (ent: Entity): string =>
  `${ent.frame?.versions.map((v) => v.version).join('\n')}|${ent.hasMetrics}`

function updateRow(row: Element, v: VersionFrame): void {
  setAttr(row, 'data-weight', String(v.weight))
  setAttr(row, 'data-observed', v.observed === null ? '' : String(Math.round(v.observed * 100) / 100))
  setText(row.querySelector('.weight')!, pct(v.weight, v.weight % 1 ? 1 : 0))
  setText(row.querySelector('.observed')!, pct(v.observed))
  setText(row.querySelector('.rate')!, v.rate.toFixed(v.rate < 10 ? 1 : 0))
  setText(row.querySelector('.instances')!, String(v.instances))
}
