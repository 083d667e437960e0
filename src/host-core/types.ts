import type { MsgHdrs } from 'nats'
import type { EntityKind, EntityRef } from '../subjects/index.js'

/** A call as the handler sees it (the NATS message itself: no copy per call). */
export interface RpcRequest {
  readonly subject: string
  readonly data: Uint8Array
  readonly headers?: MsgHdrs
  string(): string
  json<T = unknown>(): T
}

/** Which instance, subject and version serve the call. One object per subscription. */
export interface RpcContext {
  readonly entity: Readonly<EntityRef>
  readonly version: string
  /** The subject the call arrived on. */
  readonly subject: string
  /** True when it arrived on the versioned subject (a mapping routed it here). */
  readonly versioned: boolean
  readonly hostId: string
  readonly instance: number
}

export type RpcReply = Uint8Array | string | undefined | void
export type Handler = (req: RpcRequest, ctx: RpcContext) => RpcReply | Promise<RpcReply>

/** What a host knows about one version of an entity: its claims and its binary. */
export interface Artifact {
  claims?: unknown
  binary?: Uint8Array
}

export interface ArtifactRef {
  kind: EntityKind
  id: string
  version: string
}

/** Supplied by the host: fetches an entity's artifact for one version. */
export interface ArtifactLoader {
  load(ref: ArtifactRef): Promise<Artifact>
}

/** Makes handlers for entities started over the control interface. */
export type HandlerFactory = (
  ref: ArtifactRef & { link?: string },
  artifact: Artifact | undefined,
) => Handler | Promise<Handler>

export interface InventoryEntry {
  kind: EntityKind
  id: string
  link?: string
  version: string
  count: number
  /** [unversioned, versioned] */
  subjects: [string, string]
}
