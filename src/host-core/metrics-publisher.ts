/**
 * Publishes a host's metrics report on `wasmbus.metrics.{lattice}.{hostId}` every interval, and
 * once more when the host closes. A publish that fails (the connection closed, or the server
 * denies the subject) never throws: it is logged the first time and then once every
 * LOG_EVERY failures, so a host without the permission does not fill its log.
 */
import type { NatsConnection } from 'nats'
import type { HostLogger } from './logging.js'
import { redact } from './logging.js'
import type { MetricsRegistry } from './metrics.js'
import { metricsSubject } from './metrics-report.js'

const LOG_EVERY = 100
/** How long close() waits for the final report to reach the server on a connection it keeps open. */
const FINAL_FLUSH_MS = 2000

const encoder = new TextEncoder()

export class MetricsPublisher {
  readonly subject: string
  private timer?: ReturnType<typeof setInterval>
  private failures = 0
  private started = false

  constructor(
    private readonly nc: NatsConnection,
    private readonly registry: MetricsRegistry,
    private readonly log: HostLogger,
  ) {
    this.subject = metricsSubject(registry.lattice, registry.hostId)
  }

  start(): void {
    this.started = true
    this.timer = setInterval(() => this.publish(), this.registry.intervalMs)
    // Reporting alone must not keep a process alive.
    this.timer.unref?.()
  }

  /** No more reports on the interval (the final one is still sent by final()). */
  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  publish(): void {
    if (this.nc.isClosed()) return this.failed('the connection is closed')
    try {
      this.nc.publish(this.subject, encoder.encode(JSON.stringify(this.registry.next())))
    } catch (e) {
      this.failed((e as Error).message)
    }
  }

  /** The last report, once every call has finished; flushed unless the host drains the connection itself. */
  async final(flush: boolean): Promise<void> {
    this.stop()
    if (!this.started || this.nc.isClosed()) return
    this.publish()
    if (!flush) return
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([
      this.nc.flush().catch(() => undefined),
      new Promise<void>((r) => (timer = setTimeout(r, FINAL_FLUSH_MS))),
    ])
    clearTimeout(timer)
  }

  /** A publish failed here, or the server refused it (a permissions violation for our subject). */
  failed(reason: string, denied = false): void {
    if (this.failures++ % LOG_EVERY === 0) {
      const hint = denied ? " (the host's user needs permission to publish on wasmbus.metrics.>)" : ''
      this.log.error(`could not publish the metrics report on ${this.subject}: ${redact(reason)}${hint}`, {
        failures: this.failures,
      })
    }
  }
}
