/**
 * host-core: the library a host embeds so that several versions of one entity can run in one
 * lattice. Depends on `nats` and lattice's subject module only. It implements the lattice host
 * protocol 1.0 (docs/host-protocol.md), and is its reference implementation.
 */
export { Host } from './host.js'
export type { HostOptions, StartOptions, VersionSelector } from './host-options.js'
export { DEFAULT_MAX_INSTANCES } from './host-options.js'
export type { MetricsOptions } from './metrics.js'
export { HostError, type HostErrorCode } from './host-error.js'
export {
  HOST_CONNECTION_DEFAULTS,
  type ConnectionEvent,
  type ConnectionState,
  type HostClosed,
} from './host-connection.js'
export type { CredsInput } from './creds.js'
export { stderrLogger, type HostLogger, type LogFields, type LogLevel } from './logging.js'
export type { HostStats } from './instances.js'
export type {
  Artifact,
  ArtifactLoader,
  ArtifactRef,
  Handler,
  HandlerFactory,
  InventoryEntry,
  RpcContext,
  RpcReply,
  RpcRequest,
} from './types.js'
export {
  versionToken,
  versionFromToken,
  unversionedSubject,
  versionedSubject,
  controlCommandSubject,
  inventorySubject,
  pingHostsSubject,
} from '../subjects/index.js'
export type { EntityKind, EntityRef } from '../subjects/index.js'
export {
  DEFAULT_METRICS_INTERVAL_MS,
  LATENCY_BOUNDS_MS,
  METRICS_REPORT_VERSION,
  PROBE_HEADER,
  latencyBucket,
  metricsSubject,
  metricsWildcard,
} from './metrics-report.js'
export type { MetricsReport, VersionMetrics } from './metrics-report.js'
export { renderPrometheus } from './prometheus.js'
