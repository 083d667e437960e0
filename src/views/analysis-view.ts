/** How a person sees real-traffic analysis: each version's figures, then each metric's verdict. */
import type { AnalysisRecord, Judgement, VersionSummary } from '../analysis/record.js'
import { sequentialNote } from '../analysis/sequential-stop.js'
import { type Paint, PLAIN } from './colour.js'
import { table } from './table.js'

export const ms = (x: number | null) =>
  x === null ? '-' : x >= 100 ? `${Math.round(x)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`
const pct = (x: number | null) => (x === null ? '-' : `${x.toFixed(x > 0 && x < 1 ? 2 : 1)}%`)

export const VERSION_COLUMNS = ['VERSION', 'CALLS', 'ERRORS', 'P50', 'P95', 'P99']

/** One row per version: calls, error rate, p50/p95/p99 (the terminal's table and the dashboard's). */
export function versionRows(versions: Record<string, VersionSummary>, roles: Record<string, string> = {}): string[][] {
  return Object.entries(versions).map(([v, s]) => [
    `${v}${roles[v] ? ` (${roles[v]})` : ''}`,
    String(s.calls),
    pct(s.errorRate),
    ms(s.p50),
    ms(s.p95),
    ms(s.p99),
  ])
}

export function versionTable(versions: Record<string, VersionSummary>, roles: Record<string, string> = {}): string {
  return table(VERSION_COLUMNS, versionRows(versions, roles))
}

const markOf = (paint: Paint) => (o: string) =>
  o === 'pass' ? paint.ok('PASS') : o === 'fail' ? paint.bad('FAIL') : o.toUpperCase()

/** The judgement's first line: its outcome and window (the sequential judge's: when and why it stopped). */
export function judgementHead(j: Judgement, paint: Paint = PLAIN): string {
  return `${markOf(paint)(j.outcome)}${sequentialNote(j) || ` over ${(j.windowMs / 1000).toFixed(1)} s`}${j.alone ? ' (canary alone: the stable version has no weight at this step)' : ''}`
}

/** One line per metric: its outcome and why. */
export function verdictLines(j: Judgement, paint: Paint = PLAIN): string[] {
  return j.verdicts.map(
    (v) => `${markOf(paint)(v.outcome)} ${v.metric}${v.critical ? '' : ' (not critical)'}: ${v.summary}`,
  )
}

/** The judgement as lines: the versions' table, then one line per metric. */
export function judgementLines(j: Judgement, roles: Record<string, string>, paint: Paint = PLAIN): string[] {
  return [judgementHead(j, paint), ...versionTable(j.versions, roles).split('\n'), ...verdictLines(j, paint)]
}

/** Whether analysis is on and this step's outcomes so far (without the "Analysis:" label). */
export function analysisSummary(a: AnalysisRecord | undefined): string {
  if (!a) return '-'
  if (!a.active) return `off (${a.note ?? a.mode})`
  return `on${a.mode === 'dry-run' ? ' (dry run: verdicts recorded, none acted on)' : ''}; this step: ${a.judgements.map((j) => j.outcome).join(', ') || 'no judgement yet'}`
}

/** The analysis part of `rollout status`. */
export function renderAnalysis(a: AnalysisRecord | undefined, roles: Record<string, string>): string[] {
  const head = `Analysis:  ${analysisSummary(a)}`
  const last = a?.active ? a.judgements.at(-1) : undefined
  return last ? [head, ...judgementLines(last, roles).map((l) => `  ${l}`)] : [head]
}
