/**
 * A host: runs versions of actors and providers, and answers the control interface.
 */
import { randomUUID } from 'node:crypto'
import type { NatsConnection } from 'nats'
import { type EntityKind, type EntityRef, entityIdProblem, entityKey, routeTokenProblem, tokenProblem, versionProblem, quoted } from '../subjects/index.js'
import { ArtifactCache } from './artifacts.js'
import { type ConnectionState, ConnectionWatcher, type HostClosed, inSystemAccount, openConnection } from './host-connection.js'
import { ControlInterface } from './control-interface.js'
import { HostError } from './host-error.js'
import { Calls, type HostStats, VersionRuntime } from './instances.js'
import { type HostLogger, guarded, redact, silentLogger, stderrLogger } from './logging.js'
import { MetricsRegistry, checkMetricsOptions } from './metrics.js'
import { MetricsPublisher } from './metrics-publisher.js'
import { DEFAULT_METRICS_INTERVAL_MS, type MetricsReport } from './metrics-report.js'
import { type PrometheusEndpoint, servePrometheus } from './prometheus.js'
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
      if (replyFailures++ % 1000 === 0) log.error(`could not answer a call: ${redact(e.message)}`, { failedReplies: replyFailures })
    })
    this.watcher = new ConnectionWatcher(nc, log, opts.onConnectionEvent, () => {
      this.closing = true
      this.lostReason = 'its connection closed for good'
      this.publisher?.stop()
    })
    const m = opts.metrics === false ? undefined : (opts.metrics ?? {})
    this.registry = new MetricsRegistry(this.lattice, hostId, this.startedAt, m?.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS)
    if (m) {
      const publisher = new MetricsPublisher(nc, this.registry, log)
      this.watcher.publishDenied = (subject) => {
        if (subject !== publisher.subject) return false
        publisher.failed('permissions violation', true)
        return true
      }
      this.publisher = publisher
    }
  }

  static async start(opts: HostOptions): Promise<Host> {
    const hostId = opts.hostId ?? `host-${randomUUID().slice(0, 8)}`
    for (const [what, value] of [['lattice', opts.lattice ?? 'default'], ['hostId', hostId]] as const) {
      const problem = what === 'lattice' ? routeTokenProblem(value) : tokenProblem(value)
      if (problem) throw new HostError('INVALID_REQUEST', `Invalid ${what} ${quoted(value)}: ${problem}.`)
    }
    checkMetricsOptions(opts.metrics)
    const log = opts.logger === false ? silentLogger : guarded(opts.logger ?? stderrLogger(`host-core[${hostId}]`))
    if (opts.nc && (opts.servers !== undefined || opts.creds !== undefined || opts.connectionOptions !== undefined)) {
      throw new HostError('INVALID_REQUEST', 'Give Host.start either nc (a connection you manage) or servers/creds/connectionOptions (the host connects), not both.')
    }
    const nc = opts.nc ?? (await openConnection({ servers: opts.servers, creds: opts.creds, connectionOptions: opts.connectionOptions, hostId }))
    if (await inSystemAccount(nc)) {
      if (!opts.nc) await nc.close()
      throw new HostError(
        'SYSTEM_ACCOUNT',
        `Host ${hostId} is connected as a user of the NATS system account: calls to actors and providers travel in the application account, so it would never receive one. Connect with a user of the application account (HOST_CREDS of \`lattice dev env\`, or host.creds of \`lattice init\`), not the system user lattice pushes with (NATS_CREDS).`,
      )
    }
    const host = new Host(nc, !opts.nc, opts, hostId, log)
    try {
      if (opts.control !== false) host.control = await ControlInterface.start(host)
      const m = opts.metrics === false ? undefined : opts.metrics
      if (m?.prometheusPort !== undefined) host.prometheus = await servePrometheus(m.prometheusPort, m.prometheusHost ?? '127.0.0.1', () => host.metrics())
      host.publisher?.start()
    } catch (e) {
      await host.close().catch(() => undefined)
      throw e
    }
    const info = nc.info
    log.debug?.(`serving lattice ${host.lattice}; connected to ${redact(nc.getServer())}`, { server: info?.server_name, version: info?.version })
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

  async scaleProvider(id: string, count: number, sel: VersionSelector & { link?: string } = {}): Promise<InventoryEntry> {
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
    if (!factory) throw new HostError('NO_HANDLER', `Host ${this.hostId} cannot start entities over the control interface: it has no handler factory.`)
    this.validate(entity, version, count)
    const artifact = await this.artifacts.get({ kind: entity.kind, id: entity.id, version })
    const handler = await factory({ kind: entity.kind, id: entity.id, version, ...(entity.link ? { link: entity.link } : {}) }, artifact)
    return this.start(entity, version, count, handler)
  }

  async scale(entity: EntityRef, count: number, version?: string): Promise<InventoryEntry> {
    this.assertOpen()
    if (!Number.isInteger(count) || count < 0) throw new HostError('INVALID_REQUEST', `count must be a whole number >= 0, not ${count}.`)
    const runtime = this.pick(entity, version)
    this.assertRoom(count - runtime.count)
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
    this.validate(entity, version, count)
    if (typeof handler !== 'function') throw new HostError('INVALID_REQUEST', 'handler must be a function.')
    // Cache this version's claims and binary (a loader failure stops the start).
    await this.artifacts.get({ kind: entity.kind, id: entity.id, version })
    const key = runtimeKey(entity, version)
    this.assertRoom(count)
    let runtime = this.runtimes.get(key)
    if (!runtime) {
      const counters = this.registry.counters(key, entity, version)
      runtime = new VersionRuntime(this.nc, entity, version, handler, this.hostId, this.calls, counters, this.lattice, (subject, e) => this.subscriptionFailed(subject, e))
      this.runtimes.set(key, runtime)
    }
    await runtime.scale(runtime.count + count)
    await this.nc.flush()
    return runtime.inventory()
  }

  /** Refuse `more` instances beyond maxInstances (all entities and versions of this host together). */
  private assertRoom(more: number): void {
    const max = this.opts.maxInstances ?? DEFAULT_MAX_INSTANCES
    const running = [...this.runtimes.values()].reduce((n, r) => n + r.count, 0)
    if (more > 0 && running + more > max) {
      throw new HostError('TOO_MANY_INSTANCES', `Host ${this.hostId} runs ${running} instance${running === 1 ? '' : 's'}; ${more} more would pass its limit of ${max} (maxInstances).`, { running, requested: more, maxInstances: max })
    }
  }

  private validate(entity: EntityRef, version: string, count: number): void {
    // Components (wRPC) are served by wasmCloud hosts, not host-core.
    if (entity.kind === 'component') throw new HostError('INVALID_REQUEST', 'host-core runs actors and providers, not wRPC components.')
    const idProblem = entityIdProblem(entity.kind, entity.id)
    if (idProblem) throw new HostError('INVALID_REQUEST', `Invalid ${entity.kind} ID ${quoted(entity.id)}: ${idProblem}.`)
    const vProblem = typeof version === 'string' ? versionProblem(version) : 'it is missing'
    if (vProblem) throw new HostError('INVALID_REQUEST', `Invalid version ${quoted(version)}: ${vProblem}.`)
    if (entity.kind === 'provider') {
      const linkProblem = routeTokenProblem(entity.link ?? '')
      if (linkProblem) throw new HostError('INVALID_REQUEST', `Invalid link ${quoted(entity.link ?? '')}: ${linkProblem}.`)
    }
    if (!Number.isInteger(count) || count < 1) throw new HostError('INVALID_REQUEST', `count must be a whole number >= 1, not ${count}.`)
  }

  /** The runtime a stop/scale means: the given version, or the only one running. */
  private pick(entity: EntityRef, version?: string): VersionRuntime {
    const running = [...this.runtimes.values()].filter((r) => entityKey(r.entity) === entityKey(entity))
    const label = entity.kind === 'provider' ? `provider ${entity.id} (link ${entity.link})` : `actor ${entity.id}`
    if (running.length === 0) throw new HostError('NOT_RUNNING', `No version of ${label} runs on host ${this.hostId}.`)
    if (version !== undefined) {
      const r = running.find((x) => x.version === version)
      if (!r) throw new HostError('NOT_RUNNING', `Version ${version} of ${label} does not run on host ${this.hostId} (running: ${running.map((x) => x.version).join(', ')}).`, { versions: running.map((x) => x.version) })
      return r
    }
    if (running.length > 1) {
      const versions = running.map((x) => x.version)
      throw new HostError('AMBIGUOUS_VERSION', `Several versions of ${label} run on host ${this.hostId}: ${versions.join(', ')}. Say which one with a version.`, { versions })
    }
    return running[0]
  }

  private assertOpen(): void {
    if (this.closing) throw new HostError('CLOSED', `Host ${this.hostId} is closed${this.lostReason ? `: ${this.lostReason}` : ''}.`)
  }
}

function runtimeKey(entity: EntityRef, version: string): string {
  return `${entityKey(entity)}\u0000${version}`
}
