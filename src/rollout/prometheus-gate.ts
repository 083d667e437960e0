/**
 * The Prometheus gate (like Argo Rollouts' Prometheus metric): an instant query run `count`
 * times, `interval` apart; a measurement passes when every sample meets the condition. An
 * empty result ("no data") or an error answer is a failed measurement, never a pass. The gate
 * fails when more measurements failed than `failureLimit` (it stops measuring at that point).
 */
import { httpRequest } from '../http/request.js'
import { type Condition, fillQuery, meets, parseCondition } from '../plan/gate-config.js'
import type { PrometheusGate, RolloutPlan } from './plan/rollout-plan.js'
import type { GateResult } from './records/rollout-store.js'

/** One query must not hold the gate longer than this. */
const QUERY_TIMEOUT_MS = 10_000

export interface Measurement {
  pass: boolean
  /** The sample values, or why there are none. */
  text: string
}

export async function prometheusGate(
  g: PrometheusGate,
  lattice: string,
  plan: RolloutPlan,
  signal: AbortSignal,
): Promise<GateResult> {
  const condition = parseCondition(g.condition, 'condition')
  const query = fillQuery(g.query, {
    lattice,
    id: plan.entity.id,
    link: plan.entity.link ?? '',
    from: plan.from,
    to: plan.to,
  })
  const taken: Measurement[] = []
  for (let i = 0; i < g.count && !signal.aborted; i++) {
    if (i > 0 && !(await pause(g.intervalMs, signal))) break
    const m = await measure(g.url, query, condition, signal)
    if (signal.aborted) break
    taken.push(m)
    if (taken.filter((t) => !t.pass).length > g.failureLimit) break
  }
  if (signal.aborted) return { gate: 'prometheus', pass: false, detail: 'stopped' }
  const failed = taken.filter((t) => !t.pass).length
  const list = taken.map((t, i) => `#${i + 1} ${t.text}${t.pass ? '' : ' ✖'}`).join('; ')
  return {
    gate: 'prometheus',
    pass: failed <= g.failureLimit,
    detail: `${failed} of ${taken.length} measurements failed (limit ${g.failureLimit}), condition ${g.condition.trim()}: ${list}`,
  }
}

/** One instant query and its verdict. */
export async function measure(
  base: string,
  query: string,
  condition: Condition,
  signal?: AbortSignal,
): Promise<Measurement> {
  const url = `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`
  const out = await httpRequest(url, { method: 'GET', timeoutMs: QUERY_TIMEOUT_MS, signal })
  if (!out.ok) return { pass: false, text: out.reason }
  let body: PromAnswer
  try {
    body = JSON.parse(out.answer.text) as PromAnswer
  } catch {
    return {
      pass: false,
      text: `HTTP ${out.answer.status}, not a Prometheus answer: ${out.answer.text.trim().slice(0, 120)}`,
    }
  }
  // A server's error text can be long (64 KiB seen): a line of the output and the record gets its start.
  if (body.status !== 'success')
    return { pass: false, text: `error: ${String(body.error ?? `HTTP ${out.answer.status}`).slice(0, 200)}` }
  const samples = valuesOf(body.data)
  if (typeof samples === 'string') return { pass: false, text: samples }
  if (samples.length === 0) return { pass: false, text: 'no data' }
  const values = samples.map(Number)
  const text = samples.join(', ')
  return {
    pass: values.every((v) => meets(v, condition)),
    text: text.length > 300 ? `${text.slice(0, 300)}… (${samples.length} samples)` : text,
  }
}

interface PromAnswer {
  status?: string
  error?: string
  data?: { resultType?: string; result?: unknown }
}

/** The sample values (as Prometheus writes them: "0.5", "NaN", "+Inf"), or why there are none. */
function valuesOf(data: PromAnswer['data']): string[] | string {
  const result = data?.result
  if (data?.resultType === 'scalar') return Array.isArray(result) ? [String(result[1])] : 'no data'
  if (data?.resultType === 'vector')
    return Array.isArray(result) ? result.map((s: { value?: [number, string] }) => String(s.value?.[1])) : 'no data'
  return `a ${data?.resultType ?? 'missing'} result: the query must give an instant vector or a scalar`
}

/** Wait `ms` unless the signal fires first; false when it did. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      resolve(!signal.aborted)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', done)
      resolve(true)
    }, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
