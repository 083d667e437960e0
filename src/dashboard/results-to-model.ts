/** lattice's own results (status, watch frames, rollout records, history) as the page's model. */
import { VERSION_COLUMNS, analysisSummary, judgementHead, verdictLines, versionRows } from '../views/analysis-view.js'
import { changeLine, routeEntity } from '../views/routing-view.js'
import { whoText } from '../state/journal.js'
import type { HistoryResult } from '../ops/history.js'
import type { WatchFrame } from '../ops/watch-split.js'
import type { RouteStatus, StatusResult } from '../ops/status.js'
import type { RolloutRecord } from '../rollout/records/rollout-store.js'
import { type EntityRef, entityKey, entityLabel, entityScheme } from '../subjects/index.js'
import type {
  AnalysisView,
  EntityFrame,
  EntityId,
  Frame,
  RevisionView,
  RolloutEvent,
  RolloutView,
  ServersEvent,
  VersionFrame,
} from './model.js'

export function entityIdOf(e: EntityRef): EntityId {
  return { kind: e.kind, id: e.id, ...(e.link ? { link: e.link } : {}) }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

/** One entity's frame: its weights and instances from status, and what watch observed (when it did). */
// One collator: localeCompare with options builds one per call (5% of the dashboard's CPU at 500 entities).
const byVersion = new Intl.Collator('en', { numeric: true }).compare

function entityFrame(route: RouteStatus, seen?: WatchFrame['entities'][number]): EntityFrame {
  const entity = routeEntity(route)
  const observed = new Map((seen?.versions ?? []).map((v) => [v.version, v]))
  const weights = seen ? Object.fromEntries(seen.versions.map((v) => [v.version, v.weight])) : route.weights
  // Every version with weight, calls or instances (a running version with 0% is worth seeing).
  // In a fixed order (the page colours a version by its place): the mapping's order changes with its weights.
  const names = [...new Set([...Object.keys(weights), ...observed.keys(), ...Object.keys(route.instances)])].sort(
    byVersion,
  )
  const versions = names.map((version): VersionFrame => {
    const v = observed.get(version)
    const m = v?.metrics
    return {
      version,
      weight: weights[version] ?? 0,
      // Rounded: the backfill of 500 entities is megabytes of JSON, and more digits say nothing.
      observed: v?.observed === undefined ? null : round(v.observed, 1),
      rate: v ? round(v.rate, 2) : 0,
      instances: route.instances[version] ?? 0,
      // Host reports: errorRate is a percent there, 0..1 here.
      ...(m ? { errorRate: m.errorRate === null ? null : m.errorRate / 100, p95Ms: m.p95 } : {}),
    }
  })
  const drop = seen ? seen.drop : route.drop
  return {
    key: entityKey(entity),
    entity: entityIdOf(entity),
    label: entityLabel(entity),
    scheme: entityScheme(entity.kind),
    ...(seen?.observedBy ? { observedBy: seen.observedBy } : {}),
    versions,
    ...(drop ? { drop } : {}),
  }
}

/**
 * A frame from watch's (weights, observed split) and status's routes (instances). An entity
 * watch saw that status does not know yet (routed since) waits for the next status.
 */
export function frameOf(routes: RouteStatus[], watched: WatchFrame | undefined, t = Date.now()): Frame {
  if (!watched) return { t, entities: routes.map((r) => entityFrame(r)) }
  const byLabel = new Map(routes.map((r) => [entityLabel(routeEntity(r)), r]))
  const entities = watched.entities.flatMap((e) => {
    const route = byLabel.get(e.entity)
    return route ? [entityFrame(route, e)] : []
  })
  return { t, entities }
}

export function serversOf(s: StatusResult): ServersEvent {
  return {
    servers: (s.servers ?? []).map((x) => ({
      name: x.server,
      ...(x.cluster ? { cluster: x.cluster } : {}),
      version: x.version,
      account: x.account,
      latest: x.latest,
      installed: x.installed,
    })),
    ...(s.storedCopies ? { storedCopies: s.storedCopies } : {}),
    warnings: s.warnings,
  }
}

/** The analysis as the page draws it: the terminal's lines, with the versions' figures as table rows. */
export function analysisOf(r: RolloutRecord): AnalysisView {
  const last = r.analysis?.active ? r.analysis.judgements.at(-1) : undefined
  const summary = analysisSummary(r.analysis)
  if (!last) return { summary }
  return {
    summary,
    judgement: {
      head: judgementHead(last),
      columns: VERSION_COLUMNS,
      rows: versionRows(last.versions, { [r.plan.to]: 'canary', [r.plan.from]: 'stable' }),
      verdicts: verdictLines(last),
    },
  }
}

export function rolloutOf(r: RolloutRecord, events: RolloutEvent[], readOnly: boolean): RolloutView {
  const entity = r.plan.entity
  const numbered = r.plan.steps.filter((s) => s !== 'pause').length
  const done = r.plan.steps.slice(0, r.step + 1).filter((s) => s !== 'pause').length
  return {
    key: entityKey(entity),
    entity: entityIdOf(entity),
    label: entityLabel(entity),
    phase: r.phase,
    from: r.plan.from,
    to: r.plan.to,
    step: done,
    steps: numbered,
    setWeight: r.setWeight,
    ...(r.observedWeight === undefined ? {} : { observedWeight: r.observedWeight }),
    ...(r.observedBy ? { observedBy: r.observedBy } : {}),
    gates: r.gates.map((g) => ({ gate: g.gate, pass: g.pass, detail: g.detail })),
    analysis: analysisOf(r),
    ...(r.message ? { message: r.message } : {}),
    who: whoText(r.who),
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
    events,
    // As `rollout abort` and `rollout promote` accept them.
    canAbort: !readOnly && (r.phase === 'running' || r.phase === 'paused' || r.phase === 'held'),
    canPromote: !readOnly && r.phase === 'paused' && !r.promoteRequested,
  }
}

/** What about a rollout is news: a line when it changed since `before`. */
export function rolloutChange(before: RolloutRecord | undefined, now: RolloutRecord): string | undefined {
  const verdict = (r: RolloutRecord) => r.analysis?.judgements.at(-1)?.outcome
  const numbered = (r: RolloutRecord) => r.plan.steps.slice(0, r.step + 1).filter((s) => s !== 'pause').length
  const parts: string[] = []
  if (!before || before.startedAt !== now.startedAt)
    parts.push(`${now.phase}, step ${numbered(now)}, set ${now.setWeight}%`)
  else {
    if (before.phase !== now.phase) parts.push(now.phase)
    if (before.step !== now.step || before.setWeight !== now.setWeight)
      parts.push(`step ${numbered(now)}: set ${now.setWeight}%`)
    const v = verdict(now)
    if (v && (v !== verdict(before) || before.analysis?.judgements.length !== now.analysis?.judgements.length))
      parts.push(`analysis ${v}`)
    if (now.message && before.message !== now.message) parts.push(now.message)
  }
  return parts.length ? parts.join('; ') : undefined
}

/**
 * The events list of an entity's rollout after reading `now` (`before` read last time): the change
 * appended, at most `keep`. A new rollout of the entity (another startedAt) starts its own list.
 */
export function rolloutEvents(
  before: RolloutRecord | undefined,
  now: RolloutRecord,
  events: RolloutEvent[],
  time: string,
  keep: number,
): RolloutEvent[] {
  const text = rolloutChange(before, now)
  const earlier = before && before.startedAt === now.startedAt ? events : []
  return text ? [...earlier, { time, text }].slice(-keep) : earlier
}

export function revisionsOf(h: HistoryResult, limit: number, readOnly: boolean): RevisionView[] {
  const latest = Math.max(-1, ...h.revisions.map((r) => r.revision))
  return h.revisions
    .slice(-limit)
    .reverse()
    .map((r) => {
      const other = (r.subjects ?? []).filter((s) => !r.changes.some((c) => c.subject === s))
      return {
        revision: r.revision,
        time: r.time,
        who:
          r.kind === 'drift'
            ? `outside lattice (found by ${r.completedBy ? whoText(r.completedBy) : 'lattice'})`
            : whoText(r.who),
        command: r.command,
        changes: [...r.changes.map(changeLine), ...other.map((s) => `${s} changed`)],
        canRollBack: !readOnly && r.revision !== latest,
      }
    })
}
