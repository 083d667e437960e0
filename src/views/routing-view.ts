/** Text rendering of results for people. --json prints the result objects themselves. */
import type { ChangeResult, EntityChange, ServerReport } from '../ops/change.js'
import type { HistoryResult } from '../ops/history.js'
import type { RouteStatus, StatusResult } from '../ops/status.js'
import { describeDifference } from '../plan/installed.js'
import type { RecordedChange } from '../state/journal.js'
import { type Weights, sumWeights, weightOf } from '../plan/weights.js'
import { type EntityKind, type EntityRef, dropSubject, entityLabel, versionedSubject } from '../subjects/index.js'
import { type Paint, PLAIN } from './colour.js'
import { table } from './table.js'
import { whoText } from '../state/journal.js'

export function weightChange(before: Weights | null, after: Weights | null): string {
  const versions = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
  return versions.map((v) => `${v} ${weightOf(before, v)}% -> ${weightOf(after, v)}%`).join(', ')
}

export function changeLine(c: EntityChange | RecordedChange): string {
  const clusters = [...new Set([...Object.keys(c.clusters?.before ?? {}), ...Object.keys(c.clusters?.after ?? {})])]
  const scoped = clusters.map(
    (name) => `in cluster ${name}: ${weightChange(c.clusters?.before[name] ?? null, c.clusters?.after[name] ?? null)}`,
  )
  // Unmapped, a component's calls all reach its own ID; an actor's spread over every running version.
  const unmapped = c.entity.kind === 'component' ? { [c.entity.id]: 100 } : null
  const before = c.before ?? (c.drop?.before ? null : unmapped)
  const after = c.after ?? (c.drop?.after ? null : unmapped)
  const parts = [
    c.before || c.after ? weightChange(before, after) : '',
    ...scoped,
    c.drop ? `dropped ${c.drop.before}% -> ${c.drop.after}%` : '',
  ].filter(Boolean)
  const removed = !c.after && !c.drop?.after && Object.keys(c.clusters?.after ?? {}).length === 0
  return `${entityLabel(c.entity)}: ${parts.join(', ')}${removed ? ' (mapping removed)' : ''}`
}

export function renderChange(result: ChangeResult, paint: Paint = PLAIN): string {
  if (result.changes.length === 0) return 'No change: the live routing already matches. Nothing pushed.'
  const lines: string[] = []
  if (result.dryRun)
    lines.push(`Dry run: nothing pushed. Account ${result.account}, lattice ${result.lattice} would change:`)
  for (const c of result.changes) {
    lines.push(changeLine(c))
    if (result.dryRun) {
      const dests = result.mappings[c.subject]
      lines.push(`  mapping ${c.subject}${dests ? '' : ' removed'}`)
      for (const d of dests ?? []) lines.push(`    -> ${d.subject} weight ${d.weight}`)
    }
  }
  if (result.pushed) {
    lines.push(...result.servers.map((s) => serverLine(s, paint)))
    const acks = result.servers.filter((s) => s.ok).length
    if (result.confirmed)
      lines.push(
        `Live: ${acks} of ${result.servers.length} server${result.servers.length === 1 ? '' : 's'} acknowledged (${result.minAcks} required) and run or store the new JWT.`,
      )
    if (result.withoutState)
      lines.push(paint.bad('NOT RECORDED: pushed without the lattice state, with no lock (see the warning).'))
    if (result.revision !== undefined) {
      lines.push(
        `Recorded as revision ${result.revision}${result.rebasedFrom !== undefined ? ` (planned again on the latest state: another change landed after revision ${result.rebasedFrom})` : ''}.`,
      )
    }
  }
  return lines.join('\n')
}

const INSTALLED = {
  yes: ', installed',
  idle: ', stored (no client of the account on this server yet)',
  no: ', NOT INSTALLED',
}

export function serverLine(s: ServerReport, paint: Paint = PLAIN): string {
  const answer = s.ok
    ? paint.ok(s.message || 'ok')
    : s.code === 0
      ? paint.warn('NO REPLY')
      : paint.bad(`REJECTED (${s.message})`)
  const installed = s.installed ? (s.installed === 'no' ? paint.bad(INSTALLED.no) : INSTALLED[s.installed]) : ''
  return `  ${s.server}${s.cluster ? ` [${s.cluster}]` : ''}: ${answer}${installed}`
}

export function renderPlan(result: ChangeResult, file: string): string {
  if (result.changes.length === 0) return `No changes: the live routing of lattice ${result.lattice} matches ${file}.`
  const n = result.changes.length
  return [
    `Plan for ${file} (lattice ${result.lattice}, account ${result.account}): ${n} entit${n === 1 ? 'y' : 'ies'} would change.`,
    ...result.changes.map((c) => `  ${changeLine(c)}`),
  ].join('\n')
}

/** The entity of a route as `status` reports it. */
export function routeEntity(r: RouteStatus): EntityRef {
  return {
    kind: r.kind,
    id: r.id,
    ...(r.link ? { link: r.link } : {}),
    ...(r.endpoint ? { endpoint: r.endpoint } : {}),
    ...(r.subjects ? { subjects: r.subjects } : {}),
  }
}

/** The KIND column: the scheme shows for components (wRPC); actors and providers use versioned RPC. */
export function kindLabel(kind: EntityKind): string {
  return kind === 'component' ? 'component (wRPC)' : kind
}

export function renderStatus(result: StatusResult): string {
  const unrouted = result.unrouted ?? []
  if (result.routes.length === 0 && unrouted.length === 0)
    return `No routes in lattice ${result.lattice}, and no running instances (host-core or wasmCloud components) found.`
  const rows: string[][] = []
  const L = result.lattice
  for (const r of result.routes) {
    const e = routeEntity(r)
    // A service's routes are its endpoints: the LINK column names the endpoint.
    const row = (version: string, weight: string, instances: string, subject: string) =>
      rows.push([r.id, kindLabel(r.kind), r.link ?? r.endpoint ?? '-', version, weight, instances, subject])
    for (const [version, weight] of Object.entries(r.weights))
      row(version, `${weight}%`, String(r.instances[version] ?? 0), versionedSubject(L, e, version))
    if (r.drop) {
      const rest = 100 - r.drop - sumWeights(r.weights)
      if (rest > 0) row('(any)', `${rest}%`, '-', r.subject)
      row('(dropped)', `${r.drop}%`, '-', dropSubject(L, e))
    }
    for (const [cluster, weights] of Object.entries(r.clusters ?? {})) {
      for (const [version, weight] of Object.entries(weights))
        row(`${version} @${cluster}`, `${weight}%`, String(r.instances[version] ?? 0), versionedSubject(L, e, version))
    }
    const weighted = new Set([r.weights, ...Object.values(r.clusters ?? {})].flatMap((w) => Object.keys(w)))
    for (const [version, n] of Object.entries(r.instances))
      if (!weighted.has(version)) row(version, '0%', String(n), versionedSubject(L, e, version))
    for (const d of r.foreign ?? [])
      row('(foreign)', `${d.weight}%${d.cluster ? ` @${d.cluster}` : ''}`, '-', d.subject)
  }
  for (const u of unrouted) {
    const e: EntityRef = { kind: u.kind, id: u.id, ...(u.link ? { link: u.link } : {}) }
    for (const [version, n] of Object.entries(u.instances))
      rows.push([
        u.id,
        kindLabel(u.kind),
        u.link ?? '-',
        version,
        'unrouted',
        String(n),
        versionedSubject(L, e, version),
      ])
  }
  const lines = [table(['ENTITY', 'KIND', 'LINK', 'VERSION', 'WEIGHT', 'INSTANCES', 'SUBJECT'], rows)]
  if (unrouted.length > 0) {
    const none = result.routes.length === 0 ? `No routes in lattice ${result.lattice}. ` : ''
    const kinds = new Set(unrouted.map((u) => u.kind === 'component'))
    const versioned = 'calls to an actor or provider reach any of its running instances, whatever their version'
    const components = 'calls to a component ID reach that ID'
    const meaning = kinds.size === 2 ? `${versioned}; ${components}` : kinds.has(true) ? components : versioned
    lines.push(`${none}unrouted: no mapping, so ${meaning}.`)
  }
  return lines.join('\n')
}

export function renderServers(result: StatusResult): string {
  const yesNo = (x: boolean | null) => (x === null ? 'idle' : x ? 'yes' : 'NO')
  const rows = (result.servers ?? []).map((s) => [
    s.server,
    s.cluster ?? '-',
    s.version,
    s.account,
    s.issuedAt ? String(s.issuedAt) : '-',
    yesNo(s.latest),
    yesNo(s.installed),
  ])
  const lines = [table(['SERVER', 'CLUSTER', 'VERSION', 'ACCOUNT', 'JWT IAT', 'LATEST', 'INSTALLED'], rows)]
  for (const s of result.servers ?? [])
    for (const d of s.differences ?? [])
      lines.push(`${s.server} does not run its JWT's mapping of ${describeDifference(d)}.`)
  const copies = result.storedCopies
  if (copies)
    lines.push(
      `Stored copies: ${copies.latest} of ${copies.total} resolvers hold the newest JWT (iat ${result.issuedAt}).`,
    )
  if (result.clusters?.length)
    lines.push(
      `Clusters (gateways): ${result.clusters.map((c) => `${c.name}: ${c.servers.join(', ') || 'NO SERVER ANSWERED'}`).join('; ')}.`,
    )
  if (result.leaves?.length) {
    // Keys cut short: a leaf often serves several versions of one entity (--json has them whole).
    const serves = (l: NonNullable<StatusResult['leaves']>[number]) =>
      shortenKeys(l.serves.map((x) => `${x.entity} ${x.version}`).join(', ')) || '-'
    lines.push(
      '',
      table(
        ['LEAF NODE', 'HUB', 'SYSTEM', 'HOLDS JWT', 'SERVES'],
        result.leaves.map((l) => [
          l.name,
          l.hubs.join(', '),
          l.answersSystem ? 'yes' : 'no',
          l.holdsJwt ? 'yes' : 'NO',
          serves(l),
        ]),
      ),
    )
  }
  if (result.missing?.length)
    lines.push(
      `Seen in earlier changes, not answering now: ${result.missing.map((m) => `${m.kind} ${m.name} (last seen ${m.lastSeen})`).join(', ')}.`,
    )
  return lines.join('\n')
}

/** A public nkey (actor M…, provider V…, account A…, server N…, ...): 56 base32 characters. */
const NKEY = /\b([ACMNOUVX][A-Z2-7]{7})[A-Z2-7]{48}\b/g

/** Keys cut to their first 8 characters and `…`, so a line fits a terminal; --json keeps them whole. */
export function shortenKeys(text: string): string {
  return text.replace(NKEY, '$1…')
}

/** `text` cut at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line]
}

/**
 * One row per revision (REV, TIME, KIND, WHO, COMMAND) with its changes on the lines below,
 * indented, and long commands and changes wrapped to `width` (two full keys on one line made
 * rows of 250 characters).
 */
export function renderHistory(result: HistoryResult, opts: { fullKeys?: boolean; width?: number } = {}): string {
  if (result.revisions.length === 0) return `No revisions recorded for lattice ${result.lattice} yet.`
  const keys = opts.fullKeys ? (t: string) => t : shortenKeys
  // Whole keys are for copying: lines are left unwrapped.
  const width = opts.fullKeys ? Number.POSITIVE_INFINITY : Math.max(opts.width ?? 120, 40)
  const rows = result.revisions.map((r) => {
    const who = r.kind === 'drift' ? `outside lattice (found by ${whoText(r.completedBy ?? r.who)})` : whoText(r.who)
    const kind =
      r.kind === 'rollback'
        ? `rollback to ${r.rolledBackTo}`
        : r.pushedWithoutState
          ? 'change*'
          : r.rebasedFrom !== undefined
            ? 'change (rebased)'
            : r.kind
    return [String(r.revision), r.time.replace(/\.\d+Z$/, 'Z'), kind, who]
  })
  const headers = ['REV', 'TIME', 'KIND', 'WHO']
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const pad = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ') + '  '
  const commandAt = pad(headers).length
  // A terminal too narrow for the command beside the columns gets it on the lines below, as the changes.
  const beside = width - commandAt >= 24
  const changeIndent = ' '.repeat(widths[0] + 2)
  const below = (text: string) =>
    wrap(text, width - changeIndent.length - 2).map((l, n) => `${changeIndent}${n ? '  ' : ''}${l}`)
  const out = [beside ? `${pad(headers)}COMMAND` : pad(headers).trimEnd()]
  for (const [i, r] of result.revisions.entries()) {
    if (beside) {
      const [first, ...rest] = wrap(keys(r.command), width - commandAt)
      out.push(`${pad(rows[i])}${first}`.trimEnd(), ...rest.map((l) => `${' '.repeat(commandAt)}${l}`))
    } else out.push(pad(rows[i]).trimEnd(), ...below(keys(r.command)))
    const other = (r.subjects ?? []).filter((s) => !r.changes.some((c) => c.subject === s))
    for (const what of [...r.changes.map(changeLine), ...other.map((s) => `${s} changed`)])
      out.push(...below(keys(what)))
  }
  if (result.revisions.some((r) => r.pushedWithoutState))
    out.push(
      ...wrap(
        'change*: pushed with --without-state while the lattice state was down (no lock), recorded later from the copy saved on the pushing machine.',
        width,
      ),
    )
  if (result.pending)
    out.push(
      ...wrap(
        keys(
          `In flight: revision ${result.pending.revision} by ${whoText(result.pending.who)} since ${result.pending.started} (${result.pending.command}).`,
        ),
        width,
      ),
    )
  return keys(out.join('\n'))
}
