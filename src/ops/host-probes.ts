/**
 * What `host check` sends: RPC requests, control requests, and the wait for a metrics report.
 * Each answers with what it observed; judging is host-check.ts's job.
 */
import { PROBE_HEADER, type MetricsReport, metricsSubject } from '../host-core/metrics-report.js'
import { type Connection, messageHeaders } from '../resolver/connection.js'
import { type EntityRef, entityKey } from '../subjects/index.js'

/** How long one request may take before it counts as unanswered (generous: loaded machines). */
export const REQUEST_TIMEOUT_MS = 5000

export interface Burst {
  sent: number
  answered: number
  /** Answers that carried a Nats-Service-Error header (the handler failed; still an answer). */
  serviceErrors: number
  /** Why the first unanswered request failed (timeout, no responders). */
  firstFailure?: string
}

/** Send `n` requests at once to `subject` (marked as probes, so hosts do not count them) and wait for every answer. */
export function burst(app: Connection, subject: string, n: number): Promise<Burst> {
  const out: Burst = { sent: n, answered: 0, serviceErrors: 0 }
  const one = async () => {
    try {
      const r = await app.request(subject, new Uint8Array(0), {
        timeout: REQUEST_TIMEOUT_MS,
        headers: messageHeaders({ [PROBE_HEADER]: 'host-check' }),
      })
      out.answered++
      if (r.headers?.get('Nats-Service-Error')) out.serviceErrors++
    } catch (e) {
      out.firstFailure ??= describeFailure(e)
    }
  }
  return Promise.all(Array.from({ length: n }, one)).then(() => out)
}

function describeFailure(e: unknown): string {
  const code = (e as { code?: string }).code
  if (code === '503') return 'no responders'
  if (code === 'TIMEOUT') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
  return (e as Error).message ?? String(e)
}

/** A control request's JSON answer, or why there was none. */
export type ControlAnswer = { ok: true; body: Record<string, unknown> } | { ok: false; problem: string }

export async function controlRequest(app: Connection, subject: string, body: unknown): Promise<ControlAnswer> {
  let text: string
  try {
    const r = await app.request(subject, new TextEncoder().encode(JSON.stringify(body)), {
      timeout: REQUEST_TIMEOUT_MS,
    })
    text = new TextDecoder().decode(r.data)
  } catch (e) {
    return { ok: false, problem: `${subject}: ${describeFailure(e)}` }
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, problem: `${subject} answered ${JSON.stringify(text.slice(0, 80))}, not a JSON object` }
    return { ok: true, body: parsed as Record<string, unknown> }
  } catch {
    return { ok: false, problem: `${subject} answered ${JSON.stringify(text.slice(0, 80))}, not JSON` }
  }
}

/** One line of an inventory as the host sent it (fields checked by the caller). */
export interface InventoryLine {
  kind?: unknown
  id?: unknown
  link?: unknown
  version?: unknown
  count?: unknown
  subjects?: unknown
}

/** The inventory lines about `entity`. */
export function linesOf(entities: unknown, entity: EntityRef): InventoryLine[] {
  if (!Array.isArray(entities)) return []
  const key = entityKey(entity)
  return entities.filter((e): e is InventoryLine => {
    if (typeof e !== 'object' || e === null) return false
    const l = e as InventoryLine
    if (typeof l.id !== 'string' || (l.kind !== 'actor' && l.kind !== 'provider')) return false
    return entityKey({ kind: l.kind, id: l.id, ...(typeof l.link === 'string' ? { link: l.link } : {}) }) === key
  })
}

/**
 * Listen for the host's metrics reports; `found()` resolves with the first one naming `version`
 * of `entity`, or undefined when `withinMs` (from now) passes without one.
 */
export function awaitMetrics(
  app: Connection,
  lattice: string,
  hostId: string,
  entity: EntityRef,
  version: string,
  withinMs: number,
): { found: () => Promise<{ report?: MetricsReport; reports: number }> } {
  let reports = 0
  const sub = app.subscribe(metricsSubject(lattice, hostId))
  const key = entityKey(entity)
  const result = (async () => {
    const timer = setTimeout(() => sub.unsubscribe(), withinMs)
    try {
      for await (const m of sub) {
        reports++
        try {
          const r = JSON.parse(new TextDecoder().decode(m.data)) as MetricsReport
          const named = (r.versions ?? []).some(
            (v) =>
              v.version === version &&
              entityKey({ kind: v.kind, id: v.id, ...(v.link ? { link: v.link } : {}) }) === key,
          )
          if (named) return { report: r, reports }
        } catch {
          // not JSON: counted, not used
        }
      }
      return { reports }
    } finally {
      clearTimeout(timer)
      sub.unsubscribe()
    }
  })()
  return { found: () => result }
}
