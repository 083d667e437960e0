/// <reference types="uplot" />
// An entity card's uPlot charts: the observed share per version (solid) against its set weight
// (dashed, same colour) over the window, and, when the hosts report metrics, error % and p95.
import { colour } from './dom.js'

/** One version's values, aligned with the shared time axis. */
export interface Series {
  weight: (number | null)[]
  observed: (number | null)[]
  errorPct: (number | null)[]
  p95Ms: (number | null)[]
}

const CHART_PAD = 24

export interface ChartInput {
  card: HTMLElement
  main: HTMLElement
  /** The shared time axis (seconds). */
  t: number[]
  windowS: number
  versions: string[]
  hasMetrics: boolean
  seriesOf: (version: string) => Series
}

export function entityCharts(c: ChartInput): uPlot[] {
  const width = Math.max(200, c.main.clientWidth || c.card.clientWidth - CHART_PAD)
  const css = getComputedStyle(document.documentElement)
  const axis = {
    stroke: css.getPropertyValue('--muted').trim(),
    grid: { stroke: css.getPropertyValue('--grid').trim(), width: 1 },
    ticks: { show: false },
  }
  const xScale = {
    time: true,
    range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [max - c.windowS, max],
  }
  const series: uPlot.Series[] = [{}]
  const data: (number | null)[][] = [c.t]
  c.versions.forEach((v, i) => {
    const s = c.seriesOf(v)
    series.push({ label: `${v} observed`, stroke: colour(i), width: 2, spanGaps: false, points: { show: false } })
    series.push({
      label: `${v} weight`,
      stroke: colour(i),
      width: 1.5,
      dash: [6, 4],
      paths: weightPath,
      points: { show: false },
    })
    data.push(s.observed, s.weight)
  })
  const hhmm = uPlot.fmtDate('{HH}:{mm}')
  const xAxis = { ...axis, values: (_u: uPlot, splits: number[]) => splits.map((s) => hhmm(new Date(s * 1000))) }
  const common = { legend: { show: false }, cursor: { show: false }, axes: [xAxis, { ...axis, size: 44 }] }
  const charts = [
    new uPlot(
      { ...common, width, height: 160, scales: { x: xScale, y: { range: [0, 100] } }, series },
      data as uPlot.AlignedData,
      c.main,
    ),
  ]
  if (!c.hasMetrics) return charts
  for (const [cls, field] of [
    ['.chart-err', 'errorPct'],
    ['.chart-p95', 'p95Ms'],
  ] as const) {
    const box = c.card.querySelector<HTMLElement>(cls)
    if (!box) continue
    const small: uPlot.Series[] = [
      {},
      ...c.versions.map((v, i) => ({ label: v, stroke: colour(i), width: 1.5, points: { show: false } })),
    ]
    const sd = [c.t, ...c.versions.map((v) => c.seriesOf(v)[field])]
    const w = Math.max(120, box.clientWidth || (width - 8) / 2)
    const axes = [
      { ...xAxis, show: false },
      { ...axis, size: 44 },
    ]
    charts.push(
      new uPlot(
        {
          ...common,
          axes,
          width: w,
          height: 90,
          scales: {
            x: xScale,
            y: { range: (_u, _min, max) => [0, Math.max(field === 'errorPct' ? 1 : 10, max * 1.1)] },
          },
          series: small,
        },
        sd as uPlot.AlignedData,
        box,
      ),
    )
  }
  return charts
}

// The set weight is a stepped line. uPlot's stepped paths draw two segments per point, where its
// linear paths merge the points that fall on one pixel: with more points than pixels (a 15-minute
// window at a frame a second or faster) a step is narrower than a pixel and the linear path looks
// the same at a fraction of the drawing (most of an update's time, measured by bench/dashboard.ts).
const stepped = uPlot.paths.stepped!({ align: 1 })
const linear = uPlot.paths.linear!()
const weightPath: uPlot.Series.PathBuilder = (u, sidx, i0, i1) =>
  (i1 - i0 > u.bbox.width / devicePixelRatio ? linear : stepped)(u, sidx, i0, i1)
