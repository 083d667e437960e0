/** What a host is given: its options, and what starting or selecting a version takes. */
import type { ConnectionOptions, NatsConnection } from 'nats'
import type { ConnectionEvent } from './host-connection.js'
import type { CredsInput } from './creds.js'
import type { HostLogger } from './logging.js'
import type { MetricsOptions } from './metrics.js'
import type { ArtifactLoader, Handler, HandlerFactory } from './types.js'

/** Instances a host runs at most unless told otherwise (each costs a subscription pair and a little memory). */
export const DEFAULT_MAX_INSTANCES = 100

export interface HostOptions {
  /** An open connection (an application-account user). The host does not close it. */
  nc?: NatsConnection
  /** Or: where to connect; the host then owns and closes the connection. */
  servers?: string | string[]
  /** For `servers`: a creds file's path, or its contents (string or bytes). Never logged. */
  creds?: CredsInput
  /**
   * For `servers`: nats.js connection options, merged over host-core's defaults
   * (HOST_CONNECTION_DEFAULTS: reconnect forever, 1-2 s apart). `servers` and `creds` win.
   */
  connectionOptions?: ConnectionOptions
  /** Where the host reports connection changes and failures (default: one line each on stderr; false: nowhere). */
  logger?: HostLogger | false
  /** Called on every connection change: disconnect, each reconnect attempt, reconnect, error, closed. */
  onConnectionEvent?: (event: ConnectionEvent) => void
  lattice?: string
  hostId?: string
  /** Fetches claims and binaries; cached by (id, version). */
  loader?: ArtifactLoader
  /** Makes handlers for entities started over the control interface. */
  handlerFactory?: HandlerFactory
  /** Answer the control interface (default true). */
  control?: boolean
  /**
   * The most instances this host runs at once, all entities and versions together (default
   * DEFAULT_MAX_INSTANCES). A start or scale beyond it is refused (TOO_MANY_INSTANCES), over the
   * control interface too: any user who may publish there could otherwise exhaust the host.
   */
  maxInstances?: number
  /**
   * Per-version figures of the real calls (see docs/host-core.md#metrics). Default: a report on
   * `wasmbus.metrics.{lattice}.{hostId}` every DEFAULT_METRICS_INTERVAL_MS. false: nothing is
   * published or served (host.metrics() still counts).
   */
  metrics?: MetricsOptions | false
}

export interface StartOptions {
  id: string
  version: string
  /** Instances to add (default 1). */
  count?: number
  handler: Handler
}

export interface VersionSelector {
  version?: string
}
