/**
 * A host: runs versions of actors and providers, and answers the control interface.
 */
import { randomUUID } from 'node:crypto'
import type { NatsConnection } from 'nats'
import type { EntityKind, EntityRef } from '../subjects/index.js'
import { ArtifactCache } from './artifacts.js'
import {
  type ConnectionState,
  ConnectionWatcher,
  type HostClosed,
  inSystemAccount,
  openConnection,
} from './host-connection.js'
import { ControlInterface } from './control-interface.js'
import { HostError } from './host-error.js'
import {
  checkHostIdentity,
  checkRoom,
  checkStartRequest,
  pickRuntime,
  runtimeKey,
  systemAccountError,
} from './host-requests.js'
import { Calls, type HostStats, VersionRuntime } from './instances.js'
import { type HostLogger, guarded, redact, silentLogger, stderrLogger } from './logging.js'
import { hostMetrics, servePrometheusIfAsked } from './host-metrics.js'
import { type MetricsRegistry, checkMetricsOptions } from './metrics.js'
import type { MetricsPublisher } from './metrics-publisher.js'
import type { MetricsReport } from './metrics-report.js'
import type { PrometheusEndpoint } from './prometheus.js'
import { DEFAULT_MAX_INSTANCES, type HostOptions, type StartOptions, type VersionSelector } from './host-options.js'
import type { Artifact, Handler, InventoryEntry } from './types.js'

export class Host {
  readonly lattice: string
  readonly hostId: string
  readonly startedAt = Date.now()
  private readonly runtimes = new Map<string, VersionRuntime>()
  private readonly log: HostLogger
  private readonly calls: Calls
  private readonly artifacts: ArtifactCache
  private readonly watcher: ConnectionWatcher
  private control?: ControlInterface
  private closing = false
  private closeCalled = false
  private lostReason?: string
  private subErrors = 0
  private readonly registry: MetricsRegistry
  private readonly publisher?: MetricsPublisher
  private prometheus?: PrometheusEndpoint

  private constructor(
    readonly nc: NatsConnection,
    private readonly ownsConnection: boolean,
    private readonly opts: HostOptions,
    hostId: string,
    log: HostLogger,
  ) {
    this.lattice = opts.lattice ?? 'default'
    this.hostId = hostId
    this.log = log
    this.artifacts = new ArtifactCache(opts.loader)
    let replyFailures = 0
    this.calls = new Calls((e) => {
      // The first failure, then every 1000th: a closed connection fails every reply.
      if (replyFailures++ % 1000 === 0)
        log.error(`could not answer a call: ${redact(e.message)}`, { failedReplies: replyFailures })
    })
    this.watcher = new ConnectionWatcher(nc, log, opts.onConnectionEvent, () => {
      this.closing = true
      this.lostReason = 'its connection closed for good'
      this.publisher?.stop()
    })
    const metrics = hostMetrics(
      { nc, watcher: this.watcher, log, lattice: this.lattice, hostId, startedAt: this.startedAt },
      opts.metrics,
    )
    this.registry = metrics.registry
    this.publisher = metrics.publisher
  }

  static async start(opts: HostOptions): Promise<Host> {
    const hostId = opts.hostId ?? `host-${randomUUID().slice(0, 8)}`
    checkHostIdentity(opts, hostId)
    checkMetricsOptions(opts.metrics)
    const log = opts.logger === false ? silentLogger : guarded(opts.logger ?? stderrLogger(`host-core[${hostId}]`))
    const nc =
      opts.nc ??
      (await openConnection({
        servers: opts.servers,
        creds: opts.creds,
        connectionOptions: opts.connectionOptions,
        hostId,
      }))
    if (await inSystemAccount(nc)) {
      if (!opts.nc) await nc.close()
      throw systemAccountError(hostId)
    }
    const host = new Host(nc, !opts.nc, opts, hostId, log)
    try {
      if (opts.control !== false) host.control = await ControlInterface.start(host)
      host.prometheus = await servePrometheusIfAsked(opts.metrics, () => host.metrics())
      host.publisher?.start()
    } catch (e) {
      await host.close().catch(() => undefined)
      throw e
    }
    const info = nc.info
    log.debug?.(`serving lattice ${host.lattice}; connected to ${redact(nc.getServer())}`, {
      server: info?.server_name,
      version: info?.version,
    })
    return host
  }

  /**
   * Resolves once the host stops serving: after host.close() (`expected: true`), or when its
   * connection closed for good (`expected: false`, logged as an error). Await it to exit.
   */
  get closed(): Promise<HostClosed> {
    return this.watcher.closed
  }

  /** 'connected', 'disconnected' (reconnecting) or 'closed'. */
  get connectionState(): ConnectionState {
    return this.watcher.state
  }

  /** Calls received and answered so far, over every entity on this host. */
  stats(): HostStats {
    return this.calls.stats()
  }

  /**
   * Every version that ran on this host since it started, with its calls, errors and latency
   * histogram (cumulative). `seq` is the last published report's. Publishes nothing.
   */
  metrics(): MetricsReport {
    return this.registry.report()
  }

  /** Where the Prometheus text is served (`http://127.0.0.1:<port>/metrics`), if it is. */
  get metricsUrl(): string | undefined {
    return this.prometheus?.url
  }

  /** Used by the control interface and instances: a subscription the server refused. */
  subscriptionFailed(subject: string, e: Error): void {
    if (this.subErrors++ < 100) this.log.error(`subscription to ${subject} failed: ${redact(e.message)}`, { subject })
  }

  /** Start `count` instances of one version of an actor (adds instances if it already runs). */
  async startActor(o: StartOptions): Promise<InventoryEntry> {
    return this.start({ kind: 'actor', id: o.id }, o.version, o.count ?? 1, o.handler)
  }

  async startProvider(o: StartOptions & { link?: string }): Promise<InventoryEntry> {
    return this.start({ kind: 'provider', id: o.id, link: o.link ?? 'default' }, o.version, o.count ?? 1, o.handler)
  }

  /** Run exactly `count` instances (0 stops). Without a version, only one version may be running. */
  async scaleActor(id: string, count: number, sel: VersionSelector = {}): Promise<InventoryEntry> {
    return this.scale({ kind: 'actor', id }, count, sel.version)
  }

  async scaleProvider(
    id: string,
    count: number,
    sel: VersionSelector & { link?: string } = {},
  ): Promise<InventoryEntry> {
    return this.scale({ kind: 'provider', id, link: sel.link ?? 'default' }, count, sel.version)
  }

  async stopActor(id: string, sel: VersionSelector = {}): Promise<InventoryEntry> {
    return this.scale({ kind: 'actor', id }, 0, sel.version)
  }

  async stopProvider(id: string, sel: VersionSelector & { link?: string } = {}): Promise<InventoryEntry> {
    return this.scale({ kind: 'provider', id, link: sel.link ?? 'default' }, 0, sel.version)
  }

  inventory(): InventoryEntry[] {
    return [...this.runtimes.values()].map((r) => r.inventory())
  }

  /** The artifact cached for one version, if any (loaded at start). */
  async artifact(kind: EntityKind, id: string, version: string): Promise<Artifact | undefined> {
    return this.artifacts.has({ kind, id, version }) ? this.artifacts.get({ kind, id, version }) : undefined
  }

  /** Used by the control interface to start entities it has no handler for. */
  async startFromControl(entity: EntityRef, version: string, count: number): Promise<InventoryEntry> {
    const factory = this.opts.handlerFactory
    if (!factory)
      throw new HostError(
        'NO_HANDLER',
        `Host ${this.hostId} cannot start entities over the control interface: it has no handler factory.`,
      )
    checkStartRequest(entity, version, count)
    const artifact = await this.artifacts.get({ kind: entity.kind, id: entity.id, version })
    const handler = await factory(
      { kind: entity.kind, id: entity.id, version, ...(entity.link ? { link: entity.link } : {}) },
      artifact,
    )
    return this.start(entity, version, count, handler)
  }

  async scale(entity: EntityRef, count: number, version?: string): Promise<InventoryEntry> {
    this.assertOpen()
    if (!Number.isInteger(count) || count < 0)
      throw new HostError('INVALID_REQUEST', `count must be a whole number >= 0, not ${count}.`)
    const runtime = pickRuntime(this.hostId, this.runtimes.values(), entity, version)
    checkRoom(this.hostId, this.runtimes.values(), count - runtime.count, this.maxInstances)
    await runtime.scale(count)
    const entry = runtime.inventory()
    if (runtime.count === 0) this.runtimes.delete(runtimeKey(entity, runtime.version))
    return entry
  }

  /** Stop answering: every call already delivered is answered, then the connection closes if the host opened it. */
  async close(): Promise<void> {
    if (this.closeCalled) return
    this.closeCalled = true
    this.closing = true
    this.watcher.hostClosing()
    // From here only the final report: it is the one that holds every call.
    this.publisher?.stop()
    await Promise.all([...this.runtimes.values()].map((r) => r.scale(0)))
    this.runtimes.clear()
    await this.calls.idle()
    // The last calls' figures: published after every call finished, before the connection goes.
    await this.publisher?.final(!this.ownsConnection)
    await this.prometheus?.close()
    await this.control?.close()
    if (this.ownsConnection) await this.nc.drain().catch(() => undefined)
    this.watcher.hostClosed()
  }

  private async start(entity: EntityRef, version: string, count: number, handler: Handler): Promise<InventoryEntry> {
    this.assertOpen()
    checkStartRequest(entity, version, count)
    if (typeof handler !== 'function') throw new HostError('INVALID_REQUEST', 'handler must be a function.')
    // Cache this version's claims and binary (a loader failure stops the start).
    await this.artifacts.get({ kind: entity.kind, id: entity.id, version })
    const key = runtimeKey(entity, version)
    checkRoom(this.hostId, this.runtimes.values(), count, this.maxInstances)
    let runtime = this.runtimes.get(key)
    if (!runtime) {
      const counters = this.registry.counters(key, entity, version)
      runtime = new VersionRuntime(
        this.nc,
        entity,
        version,
        handler,
        this.hostId,
        this.calls,
        counters,
        this.lattice,
        (subject, e) => this.subscriptionFailed(subject, e),
      )
      this.runtimes.set(key, runtime)
    }
    await runtime.scale(runtime.count + count)
    await this.nc.flush()
    return runtime.inventory()
  }

  private get maxInstances(): number {
    return this.opts.maxInstances ?? DEFAULT_MAX_INSTANCES
  }

  private assertOpen(): void {
    if (this.closing)
      throw new HostError('CLOSED', `Host ${this.hostId} is closed${this.lostReason ? `: ${this.lostReason}` : ''}.`)
  }
}
