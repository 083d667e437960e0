/** Rendering observed traffic: `watch` frames (bars, refreshed in place on a terminal) and `verify` results. */
import type { VerifyResult } from '../ops/verify-split.js'
import type { WatchFrame } from '../ops/watch-split.js'
import { inPlace } from './rollout-view.js'
import { ms } from './analysis-view.js'
import { table } from './table.js'
import { describeSource } from '../traffic/observation.js'

const WIDTH = 20

/** A bar of the observed share, with a mark where the configured weight is. */
export function bar(observed: number | undefined, weight: number): string {
  const filled = Math.round(((observed ?? 0) / 100) * WIDTH)
  const mark = Math.min(WIDTH - 1, Math.round((weight / 100) * WIDTH))
  return Array.from({ length: WIDTH }, (_, i) =>
    i === mark && weight > 0 && weight < 100 ? '|' : i < filled ? '█' : '░',
  ).join('')
}

export function renderFrame(f: WatchFrame): string {
  if (f.entities.length === 0) return `${f.time.slice(11, 19)}  no weighted routes to watch`
  const lines: string[] = []
  for (const e of f.entities) {
    lines.push(
      `${f.time.slice(11, 19)}  ${e.entity}${e.drop ? `  (fault: ${e.drop}% dropped, not observable)` : ''}${e.observedBy ? `  ${describeSource({ by: e.observedBy, reason: e.observedByReason })}` : ''}`,
    )
    // With host metrics: each version's real calls, error rate and p50/p95/p99 over the frame.
    const real = (v: (typeof e.versions)[number]) =>
      v.metrics
        ? [
            `${v.metrics.calls} calls`,
            `err ${v.metrics.errorRate === null ? '-' : `${v.metrics.errorRate.toFixed(1)}%`}`,
            `p50/p95/p99 ${[v.metrics.p50, v.metrics.p95, v.metrics.p99].map(ms).join(' / ')}`,
          ]
        : []
    const rows = e.versions.map((v) => [
      `  ${v.version}`,
      bar(v.observed, v.weight),
      `set ${v.weight}%`,
      `seen ${v.observed === undefined ? '-' : `${v.observed.toFixed(1)}%`}`,
      `${v.rate.toFixed(1)}/s`,
      ...real(v),
    ])
    lines.push(
      table(
        Array.from({ length: Math.max(...rows.map((r) => r.length)) }, () => ''),
        rows,
      )
        .split('\n')
        .slice(1)
        .join('\n'),
    )
  }
  return lines.join('\n')
}

export class FrameView {
  private readonly draw: (text: string) => void
  constructor(
    private readonly mode: 'json' | 'tty' | 'lines',
    private readonly write: (t: string) => void,
  ) {
    this.draw = inPlace(write)
  }

  frame(f: WatchFrame): void {
    if (this.mode === 'json') return this.write(`${JSON.stringify(f)}\n`)
    const text = renderFrame(f)
    if (this.mode === 'lines') return this.write(`${text}\n`)
    this.draw(text)
  }
}

export function renderVerify(r: VerifyResult): string {
  const calls = Object.values(r.counts).reduce((a, b) => a + b, 0)
  const rows = [...new Set([...Object.keys(r.weights), ...Object.keys(r.counts)])].map((v) => [
    v,
    `${r.weights[v] ?? 0}%`,
    r.observed[v] === undefined ? '-' : `${r.observed[v].toFixed(1)}%`,
    String(r.counts[v] ?? 0),
  ])
  const verdict = r.match ? 'consistent with the live weights' : 'DIFFERS from the live weights'
  return [
    `${r.entity}: ${calls} calls observed over ${r.windowMs / 1000} s, ${describeSource({ by: r.observedBy, reason: r.observedByReason })}${r.observedBy === 'reports' ? ' (reports apportioned to the window)' : ''}`,
    table(['VERSION', 'WEIGHT', 'OBSERVED', 'CALLS'], rows),
    r.method === 'one-version'
      ? oneVersionVerdict(r, calls)
      : `chi-square ${r.statistic.toFixed(2)} (${r.degreesOfFreedom} df), p = ${r.pValue < 0.0001 ? r.pValue.toExponential(1) : r.pValue.toFixed(4)}: ${verdict} (alpha ${r.alpha}).`,
  ].join('\n')
}

/** One version at 100%: there is no split to test, so say what was checked. */
function oneVersionVerdict(r: VerifyResult, calls: number): string {
  const [version] = Object.keys(r.weights).filter((v) => r.weights[v] > 0)
  const others = Object.keys(r.counts).filter((v) => v !== version)
  const also =
    others.length === 0
      ? 'no other version runs'
      : `none reached ${others.join(', ')}, which also run${others.length === 1 ? 's' : ''}`
  if (r.match) return `All ${calls} calls reached ${version}, as routed; ${also} (one version: no split to compare).`
  const stray = others.filter((v) => r.counts[v] > 0)
  const n = stray.reduce((a, v) => a + r.counts[v], 0)
  return `${n} of ${calls} calls reached ${stray.join(', ')}, which the live weights give 0%: DIFFERS from the live weights (callers bypassing the mapping, or a server not running it).`
}
