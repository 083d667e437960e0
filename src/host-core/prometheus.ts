/**
 * The metrics report in the Prometheus text exposition format (0.0.4), and a tiny node:http
 * server for it (GET /metrics). Rendered from the report, so both always say the same thing.
 */
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HostError } from './host-error.js'
import { LATENCY_BOUNDS_MS, type MetricsReport, type VersionMetrics } from './metrics-report.js'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Label values: backslash, double quote and line feed escaped (the format's only escapes). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** A float as Prometheus reads it (Go ParseFloat syntax). */
function num(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return String(n)
}

/** Bucket bounds in seconds, six significant digits (stable from one scrape to the next). */
const LE = LATENCY_BOUNDS_MS.map((ms) => String(Number((ms / 1000).toPrecision(6))))

function labels(r: MetricsReport, v: VersionMetrics): string {
  const pairs: [string, string][] = [
    ['lattice', r.lattice],
    ['host', r.host],
    ['kind', v.kind],
    ['id', v.id],
  ]
  // An actor has no link: an absent label is what Prometheus makes of an empty one anyway.
  if (v.link !== undefined) pairs.push(['link', v.link])
  pairs.push(['version', v.version])
  return pairs.map(([k, val]) => `${k}="${escapeLabelValue(val)}"`).join(',')
}

/** The report as Prometheus text: two counters and a histogram per version. */
export function renderPrometheus(r: MetricsReport): string {
  const out: string[] = []
  const header = (name: string, type: string, help: string) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  header(
    'lattice_calls_total',
    'counter',
    'Calls a handler finished (answered, failed or one-way), synthetic probes excluded.',
  )
  for (const v of r.versions) out.push(`lattice_calls_total{${labels(r, v)}} ${v.calls}`)
  header(
    'lattice_call_errors_total',
    'counter',
    'Calls whose handler failed (answered with a Nats-Service-Error header).',
  )
  for (const v of r.versions) out.push(`lattice_call_errors_total{${labels(r, v)}} ${v.errors}`)
  header('lattice_call_duration_seconds', 'histogram', "Time from a call reaching the host to its handler's end.")
  for (const v of r.versions) {
    const l = labels(r, v)
    const dense = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)
    for (const [i, n] of v.latency) dense[i] += n
    let cumulative = 0
    for (let i = 0; i < LE.length; i++) {
      cumulative += dense[i]
      out.push(`lattice_call_duration_seconds_bucket{${l},le="${LE[i]}"} ${cumulative}`)
    }
    out.push(`lattice_call_duration_seconds_bucket{${l},le="+Inf"} ${v.calls}`)
    out.push(`lattice_call_duration_seconds_sum{${l}} ${num((v.sumMs ?? 0) / 1000)}`)
    out.push(`lattice_call_duration_seconds_count{${l}} ${v.calls}`)
  }
  return `${out.join('\n')}\n`
}

export interface PrometheusEndpoint {
  /** `http://host:port/metrics`, with the port actually bound. */
  url: string
  close(): Promise<void>
}

/** Serve GET /metrics (and HEAD) on host:port; port 0 picks a free one. */
export async function servePrometheus(
  port: number,
  host: string,
  report: () => MetricsReport,
): Promise<PrometheusEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Not found: the metrics are at /metrics\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('Method not allowed\n')
      return
    }
    const body = renderPrometheus(report())
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) })
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new HostError(
          'METRICS_LISTEN_FAILED',
          `Cannot serve Prometheus metrics on ${host}:${port}: ${(e as Error).message}.`,
        ),
      ),
    )
    server.listen(port, host, () => resolve())
  })
  // A scrape must never keep the process alive on its own.
  server.unref()
  const bound = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
