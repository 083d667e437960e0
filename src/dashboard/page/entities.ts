/// <reference types="uplot" />
// The Entities section: one card per routed entity, the series behind its charts, and the
// charts themselves. Scales to hundreds of entities: every card keeps its data arrays up to date
// (cheap), but a uPlot chart exists only while its card is on screen or near it, and charts are
// redrawn at most once per animation frame (see app.ts).
import type { Backfill, Frame } from '../model.js'
import { type Series, entityCharts } from './charts.js'
import { byId, el, setAttr, setText } from './dom.js'
import { type Entity, cardContent, chartEnds, layoutOf, updateCardText } from './entity-card.js'

export class Entities {
  /** Epoch seconds of every point, shared by all charts' x axes. */
  readonly t: number[] = []
  private readonly map = new Map<string, Entity>()
  private readonly list = byId('entity-list')
  private readonly observer: IntersectionObserver
  private readonly screen: IntersectionObserver
  private filter = ''
  private windowS = 15 * 60
  chartsCreated = 0
  /** Of the last render(): charts redrawn and the time that took (ms). */
  redrawn = 0
  redrawMs = 0

  constructor() {
    // Charts for cards within ~one screen of the viewport; others are destroyed (their data stays).
    this.observer = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const ent = this.map.get((e.target as HTMLElement).dataset.entity ?? '')
          if (!ent) continue
          ent.visible = e.isIntersecting
          if (ent.visible) {
            if (ent.textStale && ent.frame) this.updateCard(ent)
            this.createCharts(ent)
          } else this.destroyCharts(ent)
        }
      },
      { rootMargin: '400px 0px' },
    )
    // Redrawing costs most of an update: only charts actually on screen are redrawn each frame;
    // the others (near the screen, ready for scrolling) catch up when they come into view.
    this.screen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const ent = this.map.get((e.target as HTMLElement).dataset.entity ?? '')
        if (!ent) continue
        ent.onScreen = e.isIntersecting
        if (ent.onScreen && ent.stale && ent.charts.length) this.redraw(ent)
      }
    })
    byId<HTMLInputElement>('filter').addEventListener('input', (ev) => {
      this.filter = (ev.target as HTMLInputElement).value.trim().toLowerCase()
      for (const ent of this.map.values()) this.applyFilter(ent)
    })
  }

  setWindow(ms: number): void {
    this.windowS = ms / 1000
  }

  chartsLive(): number {
    let n = 0
    for (const e of this.map.values()) n += e.charts.length
    return n
  }

  /** Replaces every series with the server's (on each (re)connect). */
  backfill(b: Backfill): void {
    this.t.length = 0
    this.t.push(...b.t.map((ms) => ms / 1000))
    const n = this.t.length
    for (const ent of this.map.values()) ent.series.clear()
    for (const [key, versions] of Object.entries(b.series)) {
      const ent = this.entity(key)
      for (const [v, s] of Object.entries(versions)) {
        const fit = (a: (number | null)[] | undefined, f = (x: number) => x) =>
          Array.from({ length: n }, (_, i) => (a?.[i] === null || a?.[i] === undefined ? null : f(a[i] as number)))
        ent.series.set(v, {
          weight: fit(s.weight),
          observed: fit(s.observed),
          errorPct: fit(s.errorRate, (x) => x * 100),
          p95Ms: fit(s.p95Ms),
        })
        if (s.errorRate || s.p95Ms) ent.hasMetrics = true
      }
    }
    for (const ent of this.map.values()) {
      for (const s of ent.series.values())
        for (const a of Object.values(s) as (number | null)[][]) while (a.length < n) a.push(null)
      this.rebuildCharts(ent)
    }
  }

  /** Appends a frame's point to every series (cheap; the DOM is updated in render()). */
  addFrame(f: Frame): void {
    this.t.push(f.t / 1000)
    const n = this.t.length
    const seen = new Set<string>()
    for (const ef of f.entities) {
      seen.add(ef.key)
      const ent = this.entity(ef.key)
      ent.frame = ef
      for (const vf of ef.versions) {
        const s = this.seriesOf(ent, vf.version, n - 1)
        s.weight.push(vf.weight)
        s.observed.push(vf.observed)
        s.errorPct.push(vf.errorRate === undefined || vf.errorRate === null ? null : vf.errorRate * 100)
        s.p95Ms.push(vf.p95Ms ?? null)
        if (vf.errorRate !== undefined || vf.p95Ms !== undefined) ent.hasMetrics = true
      }
      for (const s of ent.series.values())
        for (const a of Object.values(s) as (number | null)[][]) if (a.length < n) a.push(null)
    }
    // An entity no longer in the frames is no longer routed.
    for (const [key, ent] of this.map) if (!seen.has(key)) this.remove(ent)
    this.trim()
  }

  /** A version's series, made of `len` nulls when it has none yet (a new version, or none in the backfill). */
  private seriesOf(ent: Entity, version: string, len = this.t.length): Series {
    let s = ent.series.get(version)
    if (!s) {
      const nulls = () => new Array<number | null>(len).fill(null)
      s = { weight: nulls(), observed: nulls(), errorPct: nulls(), p95Ms: nulls() }
      ent.series.set(version, s)
    }
    return s
  }

  /** Drops points older than the window, in batches (splicing thousands of arrays every frame would cost more than drawing). */
  private trim(): void {
    const last = this.t[this.t.length - 1]
    let cut = 0
    while (cut < this.t.length && this.t[cut] < last - this.windowS) cut++
    // Cut a tenth of the window at a time: each cut moves every array's points once.
    if (cut < Math.max(30, this.t.length / 10)) return
    this.t.splice(0, cut)
    for (const ent of this.map.values())
      for (const s of ent.series.values()) for (const a of Object.values(s) as (number | null)[][]) a.splice(0, cut)
  }

  /** Updates the cards' text and attributes, and redraws the charts on screen. */
  render(): void {
    let shown = 0
    this.redrawn = 0
    this.redrawMs = 0
    for (const ent of this.map.values()) {
      if (!ent.frame) continue
      if (!ent.card) this.createCard(ent)
      if (layoutOf(ent) !== ent.builtFor) this.rebuildCharts(ent)
      // Cards far from the screen keep their data but not their text (hundreds of cards'
      // text would cost more than the charts); they catch up when they come near.
      if (ent.visible || ent.textStale) this.updateCard(ent)
      else ent.textStale = true
      if (!ent.card!.hidden) shown++
      if (ent.charts.length && ent.onScreen) this.redraw(ent)
      else ent.stale = true
    }
    setText(
      byId('entity-count'),
      this.map.size ? `(${shown === this.map.size ? this.map.size : `${shown} of ${this.map.size}`})` : '',
    )
    byId('entities-empty').hidden = this.map.size > 0
  }

  resize(): void {
    for (const ent of this.map.values()) if (ent.charts.length) this.rebuildCharts(ent)
  }

  private entity(key: string): Entity {
    let ent = this.map.get(key)
    if (!ent) {
      ent = {
        key,
        series: new Map(),
        builtFor: '',
        hasMetrics: false,
        visible: false,
        onScreen: false,
        stale: false,
        textStale: true,
        rows: new Map(),
        charts: [],
      }
      this.map.set(key, ent)
    }
    return ent
  }

  private remove(ent: Entity): void {
    this.destroyCharts(ent)
    if (ent.card) {
      this.observer.unobserve(ent.card)
      this.screen.unobserve(ent.card)
      ent.card.remove()
    }
    this.map.delete(ent.key)
  }

  private applyFilter(ent: Entity): void {
    if (!ent.card) return
    const f = this.filter
    ent.card.hidden =
      f !== '' && !ent.key.toLowerCase().includes(f) && !(ent.frame?.label ?? '').toLowerCase().includes(f)
  }

  private createCard(ent: Entity): void {
    const card = el('article', { class: 'card', 'data-entity': ent.key })
    ent.card = card
    // Cards in the order the server sends them (it sorts): appended as they first appear.
    this.list.append(card)
    this.applyFilter(ent)
    this.observer.observe(card)
    this.screen.observe(card)
  }

  /** The card's static part (title, version table, chart boxes), rebuilt when the versions change. */
  private rebuildCharts(ent: Entity): void {
    const f = ent.frame
    if (!f || !ent.card) return
    this.destroyCharts(ent)
    ent.builtFor = layoutOf(ent)
    const { parts, rows } = cardContent(f, ent.hasMetrics)
    ent.rows = rows
    ent.card.replaceChildren(...parts)
    if (ent.visible) this.createCharts(ent)
  }

  private createCharts(ent: Entity): void {
    if (ent.charts.length || !ent.card || !ent.frame || ent.card.hidden) return
    const main = ent.card.querySelector<HTMLElement>('.chart-main')
    if (!main) return
    ent.charts = entityCharts({
      card: ent.card,
      main,
      t: this.t,
      windowS: this.windowS,
      versions: ent.frame.versions.map((v) => v.version),
      hasMetrics: ent.hasMetrics,
      seriesOf: (v) => this.seriesOf(ent, v),
    })
    this.chartsCreated += ent.charts.length
  }

  private destroyCharts(ent: Entity): void {
    for (const c of ent.charts) c.destroy()
    ent.charts = []
    ent.card?.removeAttribute('data-chart-observed')
  }

  private updateCard(ent: Entity): void {
    ent.textStale = false
    updateCardText(ent.card!, ent.frame!, ent.rows)
  }

  private redraw(ent: Entity): void {
    const t0 = performance.now()
    ent.stale = false
    // batch(): draw now rather than in uPlot's microtask, so the update's measured time includes it.
    for (const c of ent.charts) c.batch(() => c.setData(c.data))
    // The values the chart now ends with, for tests ("the chart moved").
    setAttr(ent.card!, 'data-chart-observed', JSON.stringify(chartEnds(ent.charts[0], ent.frame!)))
    this.redrawn += ent.charts.length
    this.redrawMs += performance.now() - t0
  }
}
