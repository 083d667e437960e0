/**
 * How a running rollout shows its progress: NDJSON with --json, one line per event when
 * stdout is not a terminal (CI logs), and a block redrawn in place on a terminal (like
 * `kubectl argo rollouts get rollout --watch`).
 */
import type { RolloutEvent } from '../rollout/rollout-event.js'
import type { RolloutRecord } from '../rollout/records/rollout-store.js'
import { judgementLines, renderAnalysis } from './analysis-view.js'
import { type Paint, PLAIN } from './colour.js'
import { whoText } from '../state/journal.js'

export type ViewMode = 'json' | 'tty' | 'lines'

export function viewMode(json: boolean, stream: NodeJS.WriteStream = process.stdout): ViewMode {
  // The in-place view is the terminal one (with colour, unless NO_COLOR).
  return json ? 'json' : stream.isTTY && !process.env.CI ? 'tty' : 'lines'
}

export function eventLine(e: RolloutEvent): string {
  const at = e.time.slice(11, 19)
  const step = e.step !== undefined ? `step ${e.step}/${e.steps}` : ''
  switch (e.type) {
    case 'started':
      return `${at} ${e.entity}: rollout started (${e.message})`
    case 'step':
      return `${at} ${step}: set weight ${e.weight}%${e.message ? `; warning: ${e.message}` : ''}`
    case 'observed':
      return `${at} ${step}: observed weight ${e.observed?.toFixed(1)}%${sharesText(e.shares)}${byText(e.observedBy)}`
    case 'verdict':
      return `${at} ${step}: analysis ${e.message}`
    case 'gate':
      return `${at} ${step}: ${e.gate?.gate} gate ${e.gate?.pass ? 'passed' : 'FAILED'}: ${e.gate?.detail}`
    case 'paused':
      return `${at} ${e.step ? `after ${step}` : 'before the first step'}: paused, ${e.message}`
    case 'promoted':
      return `${at} promoted: continuing`
    case 'rolled-back':
      return `${at} ROLLED BACK to the stable weights: ${e.message}`
    case 'held':
      return `${at} held: ${e.message}`
    case 'completed':
      return `${at} completed: ${e.message}`
    case 'failed':
      return `${at} FAILED: ${e.message}`
  }
}

/** Every version's share, when more than two serve (with two, to's share says it all). */
/** Where the observed calls were counted. */
function byText(by: 'reports' | 'subscription' | 'stats' | undefined): string {
  return by === 'reports'
    ? ', from host reports'
    : by === 'subscription'
      ? ', by subscription'
      : by === 'stats'
        ? ", from the service's stats"
        : ''
}

function sharesText(shares: Record<string, number> | undefined): string {
  const all = Object.entries(shares ?? {})
  return all.length > 2 ? ` (${all.map(([v, x]) => `${v} ${x.toFixed(1)}%`).join(', ')})` : ''
}

/** Draws a block of text, each time over the previous one (a terminal's in-place view). */
export function inPlace(write: (text: string) => void): (text: string) => void {
  let drawn = 0
  return (text) => {
    write(`${drawn ? `\x1b[${drawn}A\x1b[0J` : ''}${text}\n`)
    drawn = text.split('\n').length
  }
}

export class RolloutView {
  private lines: string[] = []
  private readonly draw: (text: string) => void
  private status = { phase: 'running', step: '-', set: '-', observed: '-' }
  private gates: string[] = []
  private analysis: string[] = []

  constructor(
    private readonly mode: ViewMode,
    private readonly write: (text: string) => void,
    private readonly title: string,
    private readonly paint: Paint = PLAIN,
    /** version -> its role, shown beside it (canary, stable). */
    private readonly roles: Record<string, string> = {},
  ) {
    this.draw = inPlace(write)
  }

  event(e: RolloutEvent): void {
    if (this.mode === 'json') return this.write(`${JSON.stringify(e)}\n`)
    if (this.mode === 'lines') return this.write(`${eventLine(e)}\n`)
    if (e.step !== undefined) this.status.step = `${e.step} of ${e.steps}`
    if (e.weight !== undefined) this.status.set = `${e.weight}%`
    if (e.type === 'step') {
      this.status.observed = '-'
      this.gates = []
    }
    if (e.judgement) this.analysis = judgementLines(e.judgement, this.roles, this.paint)
    if (e.type === 'started' && e.message) this.analysis = [e.message.replace(/^.*; analysis /, 'analysis ')]
    if (e.observed !== undefined) this.status.observed = `${e.observed.toFixed(1)}%`
    if (e.gate)
      this.gates.push(`${e.gate.pass ? this.paint.ok('✔') : this.paint.bad('✖')} ${e.gate.gate}: ${e.gate.detail}`)
    this.status.phase =
      { paused: 'paused', 'rolled-back': 'rolled back', held: 'held', completed: 'completed' }[e.type as string] ??
      (e.type === 'promoted' ? 'running' : this.status.phase)
    this.lines = [...this.lines, eventLine(e)].slice(-5)
    this.redraw()
  }

  private redraw(): void {
    const block = [
      `Rollout:   ${this.title}`,
      `Status:    ${this.status.phase}`,
      `Step:      ${this.status.step}`,
      `Set:       ${this.status.set}    Observed: ${this.status.observed}`,
      `Analysis:  ${this.analysis.length ? this.analysis.join('\n           ') : '-'}`,
      `Gates:     ${this.gates.length ? this.gates.join('\n           ') : '-'}`,
      'Events:',
      ...this.lines.map((l) => `  ${l}`),
    ]
    const text = block.join('\n')
    // Move up over the previous block and clear it, then draw the new one.
    this.draw(text)
  }
}

export function renderRollout(r: RolloutRecord): string {
  const numbered = r.plan.steps.filter((s) => s !== 'pause').length
  const done = r.plan.steps.slice(0, r.step + 1).filter((s) => s !== 'pause').length
  const lines = [
    `Rollout:   ${r.plan.entity.kind} ${r.plan.entity.id}${r.plan.entity.link ? ` (link ${r.plan.entity.link})` : ''}: ${r.plan.from} -> ${r.plan.to}, steps ${r.plan.steps.join(',')}`,
    `Status:    ${r.phase}${r.message ? ` (${r.message})` : ''}`,
    `Step:      ${done} of ${numbered}`,
    `Set:       ${r.setWeight}%    Observed: ${r.observedWeight === undefined ? '-' : `${r.observedWeight.toFixed(1)}%`}${sharesText(r.observedShares)}${byText(r.observedBy)}`,
    `Stable:    ${
      r.stable
        ? Object.entries(r.stable)
            .map(([v, w]) => `${v} ${w}%`)
            .join(', ')
        : '(no mapping)'
    }`,
    ...renderAnalysis(r.analysis, { [r.plan.to]: 'canary', [r.plan.from]: 'stable' }),
    `Gates:     ${r.gates.length ? r.gates.map((g) => `${g.pass ? '✔' : '✖'} ${g.gate}: ${g.detail}`).join('\n           ') : '-'}`,
    `Started:   ${r.startedAt} by ${whoText(r.who)}`,
    `Updated:   ${r.updatedAt}`,
  ]
  if (r.abortRequested) lines.push(`Abort:     requested by ${whoText(r.abortRequested.who)} at ${r.abortRequested.at}`)
  return lines.join('\n')
}
