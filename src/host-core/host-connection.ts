/**
 * The host's NATS connection: host-core's connection defaults (reconnect forever, with jitter),
 * creds from a path or contents, and a watcher that turns the client's status stream into log
 * lines, events and a `closed` promise, so that a host never goes quiet without saying why.
 */
import { type ConnectionOptions, Empty, type NatsConnection, type Status, connect, credsAuthenticator } from 'nats'
import { type CredsInput, credsSource } from './creds.js'
import { HostError } from './host-error.js'
import { type HostLogger, redact } from './logging.js'

/**
 * Defaults for a connection the host opens. `connectionOptions` override them; `servers` and
 * `creds` given to Host.start override `connectionOptions`.
 */
export const HOST_CONNECTION_DEFAULTS = Object.freeze({
  /** Never give up: a host outlives any server restart or network outage. */
  maxReconnectAttempts: -1,
  /** Try a server again 1-2 s after the last attempt (wait + random jitter), so hosts do not reconnect in lockstep. */
  reconnectTimeWait: 1000,
  reconnectJitter: 1000,
  reconnectJitterTLS: 2000,
  /** Notice a dead connection (no PONG) within about a minute, not the client's default 4-6. */
  pingInterval: 30_000,
  maxPingOut: 2,
}) satisfies ConnectionOptions

export interface ConnectInput {
  servers?: string | string[]
  creds?: CredsInput
  connectionOptions?: ConnectionOptions
  hostId: string
}

export async function openConnection(o: ConnectInput): Promise<NatsConnection> {
  const user = o.connectionOptions ?? {}
  const servers = o.servers ?? user.servers
  if (!servers || servers.length === 0)
    throw new HostError(
      'INVALID_REQUEST',
      'Host.start needs either nc, or servers (or connectionOptions.servers) to connect to.',
    )
  if (o.creds !== undefined && user.authenticator)
    throw new HostError('INVALID_REQUEST', 'Give either creds or connectionOptions.authenticator, not both.')
  const auth = o.creds !== undefined ? { authenticator: credsAuthenticator(credsSource(o.creds)) } : {}
  const options: ConnectionOptions = {
    ...HOST_CONNECTION_DEFAULTS,
    name: `host-core ${o.hostId}`,
    ...user,
    servers,
    ...auth,
  }
  try {
    return await connect(options)
  } catch (e) {
    const err = e as Error & { code?: string }
    const where = redact(Array.isArray(servers) ? servers.join(', ') : servers)
    // nats.js reports a server -ERR during connect (e.g. too many connections) as a bare TIMEOUT.
    const hint =
      err.code === 'TIMEOUT' ? ' (a timeout can also mean the server refused the connection: see its log)' : ''
    throw new HostError('CONNECT_FAILED', `Cannot connect to ${where}: ${redact(err.message)}${hint}.`, {
      natsCode: err.code,
    })
  }
}

/**
 * Is `nc` a user of the system account? Calls to actors and providers travel in the application
 * account, so such a host would say it is ready and never receive one. One round trip tells, on
 * 2.9.10 and newer: only in the system account does a server answer `$SYS.REQ.SERVER.PING`
 * (statsz); elsewhere nobody does (no responders), or the user may not publish or subscribe
 * there (a permissions error). Without mux, so a denial fails this request at once.
 */
export async function inSystemAccount(nc: NatsConnection): Promise<boolean> {
  try {
    const reply = await nc.request('$SYS.REQ.SERVER.PING', Empty, { timeout: 2000, noMux: true })
    return typeof (reply.json() as { server?: { id?: unknown } }).server?.id === 'string'
  } catch {
    return false
  }
}

export type ConnectionState = 'connected' | 'disconnected' | 'closed'

/** What happened to the connection. `server` never carries a user, password or token. */
export interface ConnectionEvent {
  type: 'disconnect' | 'reconnecting' | 'reconnect' | 'error' | 'ldm' | 'stale' | 'update' | 'closed'
  server?: string
  /** reconnecting: attempts since the disconnect. */
  attempt?: number
  /** reconnecting / reconnect: how long the host has been cut off. */
  downForMs?: number
  /** error / closed: the client's or server's words. */
  error?: string
  /** closed: true when host.close() closed it. */
  expected?: boolean
}

/** Why a host stopped: `expected` is false when the connection was lost for good. */
export interface HostClosed {
  expected: boolean
  reason: string
  error?: Error
}

export class ConnectionWatcher {
  state: ConnectionState = 'connected'
  readonly closed: Promise<HostClosed>
  private resolveClosed!: (c: HostClosed) => void
  private readonly status: AsyncIterable<Status> & { stop?: () => void }
  private attempt = 0
  private downSince = 0
  private closing = false
  private done = false
  private readonly reconnects: boolean
  /** Takes a publish the server denied, if it wants to report it itself (true: handled, not logged here). */
  publishDenied?: (subject: string) => boolean

  constructor(
    nc: NatsConnection,
    private readonly log: HostLogger,
    private readonly onEvent: ((e: ConnectionEvent) => void) | undefined,
    /** Called once when the connection closes and the host did not ask for it. */
    private readonly onLost: () => void,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r))
    // A borrowed connection's options are not public API; assume it reconnects unless told otherwise.
    this.reconnects = (nc as { options?: ConnectionOptions }).options?.reconnect !== false
    this.status = nc.status()
    void this.watch()
    nc.closed().then((err) => this.connectionClosed(err ?? undefined))
  }

  /** The host is closing on purpose: what follows is not a loss. */
  hostClosing(): void {
    this.closing = true
  }

  /** The host has closed (its own connection drained, or a borrowed one left open). */
  hostClosed(): void {
    this.status.stop?.()
    this.finish({ expected: true, reason: 'host.close() was called' })
  }

  private async watch(): Promise<void> {
    for await (const s of this.status) this.handle(s)
  }

  private handle(s: Status): void {
    // The status stream lags the closed promise: once closed, nothing later is news.
    if (this.done || this.state === 'closed') return
    const server = typeof s.data === 'string' ? redact(s.data) : undefined
    switch (s.type as string) {
      case 'disconnect':
        this.state = 'disconnected'
        this.attempt = 0
        this.downSince = Date.now()
        this.log.warn(`disconnected from ${server}${this.reconnects ? '; reconnecting' : ''}`, { server })
        return this.emit({ type: 'disconnect', server })
      case 'reconnecting': {
        const attempt = ++this.attempt
        const downForMs = Date.now() - this.downSince
        // Every attempt is an event; the log gets the 1st, 2nd, 4th, 8th... so an outage stays readable.
        if ((attempt & (attempt - 1)) === 0)
          (downForMs > 60_000 ? this.log.warn : this.log.info).call(
            this.log,
            `reconnecting to ${server} (attempt ${attempt}, cut off for ${Math.round(downForMs / 1000)} s)`,
            { server, attempt },
          )
        return this.emit({ type: 'reconnecting', server, attempt, downForMs })
      }
      case 'reconnect': {
        this.state = 'connected'
        const downForMs = Date.now() - this.downSince
        this.log.info(`reconnected to ${server} after ${(downForMs / 1000).toFixed(1)} s; subscriptions restored`, {
          server,
          attempts: this.attempt,
        })
        return this.emit({ type: 'reconnect', server, downForMs })
      }
      case 'error': {
        const error = redact(String(s.data))
        const ctx = s.permissionContext
        if (ctx?.operation === 'publish' && this.publishDenied?.(ctx.subject))
          return this.emit({ type: 'error', error })
        this.log.error(`NATS error: ${error}`, ctx ? { operation: ctx.operation, subject: ctx.subject } : undefined)
        return this.emit({ type: 'error', error })
      }
      case 'ldm':
        this.log.warn(`server ${server} is shutting down (lame duck mode); the host will move to another server`, {
          server,
        })
        return this.emit({ type: 'ldm', server })
      case 'staleConnection':
        this.log.warn('connection is stale (the server stopped answering pings); reconnecting')
        return this.emit({ type: 'stale' })
      case 'update':
        this.log.debug?.('cluster server list changed')
        return this.emit({ type: 'update' })
    }
  }

  private connectionClosed(err: Error | undefined): void {
    this.state = 'closed'
    if (this.closing) return this.finish({ expected: true, reason: 'host.close() was called' })
    const reason = err
      ? `the connection closed for good: ${redact(err.message)}`
      : 'the connection was closed (not by host.close())'
    this.log.error(
      `${reason}; this host no longer serves any call. Restart it, or use the default reconnect settings (reconnect forever).`,
      err ? { error: redact(err.message) } : undefined,
    )
    this.onLost()
    this.finish({ expected: false, reason, ...(err ? { error: err } : {}) })
  }

  private finish(c: HostClosed): void {
    if (this.done) return
    this.state = 'closed'
    this.emit({ type: 'closed', expected: c.expected, ...(c.error ? { error: redact(c.error.message) } : {}) })
    this.done = true
    this.resolveClosed(c)
  }

  private emit(e: ConnectionEvent): void {
    if (!this.onEvent || this.done) return
    try {
      this.onEvent(e)
    } catch (err) {
      this.log.error(`onConnectionEvent threw: ${(err as Error).message}`)
    }
  }
}
