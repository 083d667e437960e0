/** How a person sees real-traffic analysis: each version's figures, then each metric's verdict. */
import type { AnalysisRecord, Judgement, VersionSummary } from '../analysis/record.js'
import { type Paint, PLAIN } from './colour.js'
import { table } from './table.js'

export const ms = (x: number | null) => (x === null ? '-' : x >= 100 ? `${Math.round(x)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`)
const pct = (x: number | null) => (x === null ? '-' : `${x.toFixed(x > 0 && x < 1 ? 2 : 1)}%`)

/** One row per version: calls, error rate, p50/p95/p99. */
export function versionTable(versions: Record<string, VersionSummary>, roles: Record<string, string> = {}): string {
  const rows = Object.entries(versions).map(([v, s]) => [`${v}${roles[v] ? ` (${roles[v]})` : ''}`, String(s.calls), pct(s.errorRate), ms(s.p50), ms(s.p95), ms(s.p99)])
  return table(['VERSION', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99'], rows)
}

/** The judgement as lines: the versions' table, then one line per metric. */
export function judgementLines(j: Judgement, roles: Record<string, string>, paint: Paint = PLAIN): string[] {
  const mark = (o: string) => (o === 'pass' ? paint.ok('PASS') : o === 'fail' ? paint.bad('FAIL') : o.toUpperCase())
  return [
    `${mark(j.outcome)} over ${(j.windowMs / 1000).toFixed(1)} s${j.alone ? ' (canary alone: the stable version has no weight at this step)' : ''}`,
    ...versionTable(j.versions, roles).split('\n'),
    ...j.verdicts.map((v) => `${mark(v.outcome)} ${v.metric}${v.critical ? '' : ' (not critical)'}: ${v.summary}`),
  ]
}

/** The analysis part of `rollout status`. */
export function renderAnalysis(a: AnalysisRecord | undefined, roles: Record<string, string>): string[] {
  if (!a) return ['Analysis:  -']
  if (!a.active) return [`Analysis:  off (${a.note ?? a.mode})`]
  const last = a.judgements.at(-1)
  const head = `Analysis:  on${a.mode === 'dry-run' ? ' (dry run: verdicts recorded, none acted on)' : ''}; this step: ${a.judgements.map((j) => j.outcome).join(', ') || 'no judgement yet'}`
  return last ? [head, ...judgementLines(last, roles).map((l) => `  ${l}`)] : [head]
}
