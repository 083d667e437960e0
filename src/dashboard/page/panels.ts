// The Rollouts, History and Servers sections, and the actions their buttons send.
import type {
  ActionAnswer,
  AnalysisView,
  DashboardActions,
  Frame,
  HistoryEvent,
  RolloutView,
  RolloutsEvent,
  ServersEvent,
} from '../model.js'
import { byId, el, localTime, pct, setText } from './dom.js'

export interface Ctx {
  token: () => string
  readOnly: () => boolean
}

/** POSTs an action with the token header; answers the server's ActionAnswer (or one made from a network error). */
export async function act<P extends keyof DashboardActions>(
  ctx: Ctx,
  path: P,
  body: DashboardActions[P],
): Promise<ActionAnswer> {
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Lattice-Token': ctx.token() },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    try {
      return JSON.parse(text) as ActionAnswer
    } catch {
      return { ok: false, error: { code: `HTTP_${res.status}`, message: text.trim() || res.statusText } }
    }
  } catch (e) {
    return {
      ok: false,
      error: { code: 'NETWORK', message: `the dashboard's server could not be reached: ${(e as Error).message}` },
    }
  }
}

/** A button that asks, sends, and shows the answer next to it. */
function actionButton(
  ctx: Ctx,
  kind: string,
  label: string,
  question: string,
  send: () => Promise<ActionAnswer>,
  answerBox: HTMLElement,
): HTMLButtonElement {
  const b = el('button', { type: 'button', 'data-action': kind }, label)
  b.addEventListener('click', async () => {
    if (ctx.readOnly() || !confirm(question)) return
    b.disabled = true
    answerBox.className = 'answer muted'
    setText(answerBox, `${label}…`)
    const a = await send()
    b.disabled = false
    answerBox.className = `answer ${a.ok ? 'ok' : 'bad'}`
    setText(answerBox, a.ok ? a.message : `${a.error.message}${a.error.hint ? ` (${a.error.hint})` : ''}`)
  })
  return b
}

function note(id: string, text: string | undefined): void {
  const p = byId(id)
  p.hidden = !text
  setText(p, text ?? '')
}

// The answer of the last action on each rollout survives the re-render the next event causes.
const rolloutAnswers = new Map<string, HTMLElement>()

// Each active rollout's live line ("now 28.9% observed"), updated by every frame.
const liveLines = new Map<string, { to: string; line: HTMLElement }>()

export function renderRollouts(ctx: Ctx, ev: RolloutsEvent): void {
  liveLines.clear()
  byId('rollouts').hidden = false
  note('rollouts-note', ev.unavailable ?? (ev.rollouts.length ? undefined : 'No rollout running or recent.'))
  byId('rollout-list').replaceChildren(...ev.rollouts.map((r) => rolloutCard(ctx, r)))
}

function rolloutCard(ctx: Ctx, r: RolloutView): HTMLElement {
  let answer = rolloutAnswers.get(r.key)
  if (!answer) rolloutAnswers.set(r.key, (answer = el('span', { class: 'answer' })))
  const bar = el(
    'div',
    { class: 'bar', title: `set ${r.setWeight}% / observed ${pct(r.observedWeight)}` },
    el('span', { class: 'set' }),
    el('span', { class: 'observed' }),
  )
  ;(bar.children[0] as HTMLElement).style.width = `${r.setWeight}%`
  ;(bar.children[1] as HTMLElement).style.width = `${r.observedWeight ?? 0}%`
  const buttons: HTMLElement[] = []
  const live = el('div', { class: 'muted live' })
  if (r.phase === 'running' || r.phase === 'paused') liveLines.set(r.key, { to: r.to, line: live })
  // Read-only: the rollout is shown, with no button (the server refuses them anyway).
  if (ctx.readOnly()) r = { ...r, canPromote: false, canAbort: false }
  if (r.canPromote)
    buttons.push(
      actionButton(
        ctx,
        'promote',
        'Promote',
        `Promote ${r.label} to ${r.to} now (skip the remaining steps)?`,
        () => act(ctx, '/api/rollout/promote', { entity: r.entity }),
        answer,
      ),
    )
  if (r.canAbort)
    buttons.push(
      actionButton(
        ctx,
        'abort',
        'Abort',
        `Abort the rollout of ${r.label} and restore ${r.from}?`,
        () => act(ctx, '/api/rollout/abort', { entity: r.entity }),
        answer,
      ),
    )
  return el(
    'article',
    { class: 'card rollout', 'data-rollout': r.key, 'data-phase': r.phase },
    el(
      'div',
      { class: 'card-head' },
      el('h3', {}, r.label),
      el('span', { class: 'phase' }, r.phase),
      el('span', { class: 'muted' }, `step ${r.step} of ${r.steps}`),
      el('span', { class: 'muted' }, `${r.from} → ${r.to}`),
    ),
    // The record's observed figure is the share over a step's wait: it is cleared when a step begins.
    el(
      'div',
      { class: 'muted' },
      `${r.to}: set ${pct(r.setWeight, 0)}${r.observedWeight === undefined ? '' : `, ${pct(r.observedWeight)} observed over the step${r.observedBy ? ` (by ${r.observedBy})` : ''}`}`,
    ),
    live,
    bar,
    ...(r.gates.length
      ? [
          el(
            'ul',
            { class: 'gates' },
            ...r.gates.map((g) => el('li', { class: g.pass ? 'pass' : 'fail' }, `${g.gate}: ${g.detail}`)),
          ),
        ]
      : []),
    analysisBlock(r.analysis),
    ...(r.message ? [el('p', {}, r.message)] : []),
    el(
      'ul',
      { class: 'events muted' },
      ...r.events.slice(-5).map((e) => el('li', {}, `${localTime(e.time)}  ${e.text}`)),
    ),
    el('div', { class: 'muted' }, `started by ${r.who} at ${localTime(r.startedAt)}`),
    el('div', { class: 'actions' }, ...buttons, answer),
  )
}

/** "Analysis: on; this step: pass", then the last judgement: its line, the versions' table, one line per metric. */
function analysisBlock(a: AnalysisView): HTMLElement {
  const j = a.judgement
  const parts: Node[] = [el('div', {}, `Analysis: ${a.summary}`)]
  if (j) {
    parts.push(
      el('div', {}, j.head),
      el(
        'table',
        { class: 'versions' },
        el('thead', {}, el('tr', {}, ...j.columns.map((c) => el('th', {}, c.toLowerCase())))),
        el('tbody', {}, ...j.rows.map((row) => el('tr', {}, ...row.map((c) => el('td', {}, c))))),
      ),
      ...j.verdicts.map((v) =>
        el('div', { class: v.startsWith('PASS') ? 'pass' : v.startsWith('FAIL') ? 'fail' : '' }, v),
      ),
    )
  }
  return el('div', { class: 'analysis' }, ...parts)
}

/** The share of the calls the new version gets now (the rollout's own figure comes at the end of each step). */
export function updateRolloutsLive(f: Frame): void {
  for (const [key, { to, line }] of liveLines) {
    const observed = f.entities.find((e) => e.key === key)?.versions.find((v) => v.version === to)?.observed
    setText(line, observed === null || observed === undefined ? '' : `${to} now: ${pct(observed)} of the calls`)
  }
}

export function renderHistory(ctx: Ctx, ev: HistoryEvent): void {
  note('history-note', ev.unavailable ?? (ev.revisions.length ? undefined : 'No revision yet.'))
  byId('history-rows').replaceChildren(
    ...ev.revisions.map((r) => {
      const cell = el('td', {})
      if (r.canRollBack && !ctx.readOnly()) {
        const answer = el('span', { class: 'answer' })
        cell.append(
          actionButton(
            ctx,
            'rollback',
            'Roll back to here',
            `Roll back every route to revision ${r.revision}?`,
            () => act(ctx, '/api/rollback', { revision: r.revision }),
            answer,
          ),
          ' ',
          answer,
        )
      }
      return el(
        'tr',
        { 'data-revision': String(r.revision) },
        el('td', {}, String(r.revision)),
        el('td', {}, localTime(r.time)),
        el('td', {}, r.who),
        el('td', { class: 'mono' }, r.command),
        el('td', { class: 'mono' }, ...r.changes.flatMap((c, i) => (i ? [el('br'), c] : [c]))),
        cell,
      )
    }),
  )
}

const yesNo = (b: boolean | null): Node =>
  b === null ? document.createTextNode('–') : el('span', { class: b ? 'yes' : 'no' }, b ? 'yes' : 'no')

export function renderServers(ev: ServersEvent): void {
  const lines = [...ev.warnings]
  if (ev.storedCopies)
    lines.push(`stored JWT copies: ${ev.storedCopies.latest} of ${ev.storedCopies.total} have the latest`)
  note('servers-note', lines.join('\n') || undefined)
  byId('server-rows').replaceChildren(
    ...ev.servers.map((s) =>
      el(
        'tr',
        { 'data-server': s.name },
        el('td', {}, s.name),
        el('td', {}, s.cluster ?? '–'),
        el('td', {}, s.version),
        el('td', {}, s.account),
        el('td', {}, yesNo(s.latest)),
        el('td', {}, yesNo(s.installed)),
      ),
    ),
  )
}
