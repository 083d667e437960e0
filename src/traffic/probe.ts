/**
 * A probe: requests sent straight to one version's versioned subject (past the mapping), to
 * measure that version alone: how many succeed and how fast. A reply carrying a
 * Nats-Service-Error header (what host-core sends when a handler fails) counts as a failure.
 * Every request carries the PROBE_HEADER, so hosts answer it but leave it out of the real
 * calls' metrics that rollouts judge from.
 */
import { PROBE_HEADER } from '../host-core/metrics-report.js'
import { type Connection, messageHeaders } from '../resolver/connection.js'

export interface ProbeResult {
  subject: string
  sent: number
  ok: number
  /** Percent of requests that failed (error reply, no responders, timeout). */
  errorRate: number
  p50Ms: number
  p95Ms: number
  /** The first few distinct failure reasons. */
  failures: string[]
}

export interface ProbeOptions {
  payload: string
  count: number
  timeoutMs: number
  /** Requests in flight at once. */
  concurrency?: number
}

export async function probe(nc: Connection, subject: string, opts: ProbeOptions): Promise<ProbeResult> {
  const latencies: number[] = []
  const failures = new Set<string>()
  let ok = 0
  let next = 0
  const data = new TextEncoder().encode(opts.payload)
  const headers = messageHeaders({ [PROBE_HEADER]: 'lattice' })
  const worker = async () => {
    while (next < opts.count) {
      next++
      const start = performance.now()
      try {
        const reply = await nc.request(subject, data, { timeout: opts.timeoutMs, headers })
        latencies.push(performance.now() - start)
        const error = reply.headers?.get('Nats-Service-Error')
        if (error) failures.add(`error reply: ${error}`)
        else ok++
      } catch (e) {
        const code = (e as { code?: string }).code
        // A timeout took at least the timeout: leaving it out would make p95 look better than it was.
        if (code === 'TIMEOUT') latencies.push(opts.timeoutMs)
        failures.add(
          code === '503'
            ? 'no responders'
            : code === 'TIMEOUT'
              ? `timeout (${opts.timeoutMs} ms)`
              : (e as Error).message,
        )
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, opts.count) }, worker))
  return {
    subject,
    sent: opts.count,
    ok,
    errorRate: ((opts.count - ok) / opts.count) * 100,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    failures: [...failures].slice(0, 3),
  }
}

/** Nearest-rank percentile; 0 for no samples. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}
