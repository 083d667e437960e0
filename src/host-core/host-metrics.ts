/**
 * Wires a host's metrics: the registry its versions count into, the publisher that reports them
 * (unless metrics: false), and the Prometheus endpoint when a port is given.
 */
import type { NatsConnection } from 'nats'
import type { ConnectionWatcher } from './host-connection.js'
import type { HostLogger } from './logging.js'
import { type MetricsOptions, MetricsRegistry } from './metrics.js'
import { MetricsPublisher } from './metrics-publisher.js'
import { DEFAULT_METRICS_INTERVAL_MS, type MetricsReport } from './metrics-report.js'
import { type PrometheusEndpoint, servePrometheus } from './prometheus.js'

interface MetricsHost {
  nc: NatsConnection
  watcher: ConnectionWatcher
  log: HostLogger
  lattice: string
  hostId: string
  startedAt: number
}

export function hostMetrics(
  t: MetricsHost,
  options: MetricsOptions | false | undefined,
): { registry: MetricsRegistry; publisher?: MetricsPublisher } {
  const m = options === false ? undefined : (options ?? {})
  const registry = new MetricsRegistry(t.lattice, t.hostId, t.startedAt, m?.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS)
  if (!m) return { registry }
  const publisher = new MetricsPublisher(t.nc, registry, t.log)
  // A server that denies the metrics subject: the publisher logs it, not the watcher.
  t.watcher.publishDenied = (subject) => {
    if (subject !== publisher.subject) return false
    publisher.failed('permissions violation', true)
    return true
  }
  return { registry, publisher }
}

export async function servePrometheusIfAsked(
  options: MetricsOptions | false | undefined,
  report: () => MetricsReport,
): Promise<PrometheusEndpoint | undefined> {
  const m = options === false ? undefined : options
  if (m?.prometheusPort === undefined) return undefined
  return servePrometheus(m.prometheusPort, m.prometheusHost ?? '127.0.0.1', report)
}
