/**
 * The running instances of one version of one entity on this host. Each instance
 * queue-subscribes to both the unversioned and the versioned subject, in the entity's one
 * queue group: with no mapping, unversioned traffic is balanced over every instance of every
 * version (as before versions existed); with a mapping, it follows the weights.
 */
import { type Msg, type NatsConnection, type Subscription, headers } from 'nats'
import { type EntityRef, entityQueueGroup, unversionedSubject, versionedSubject } from '../subjects/index.js'
import type { Handler, InventoryEntry, RpcContext, RpcReply } from './types.js'

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

/** Counts handler calls still running, so close() can wait for every answer. */
export class InFlight {
  private count = 0
  private waiters: (() => void)[] = []

  enter(): void {
    this.count++
  }

  leave(): void {
    if (--this.count === 0) for (const w of this.waiters.splice(0)) w()
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r))
  }
}

interface Instance {
  subs: [Subscription, Subscription]
}

export class VersionRuntime {
  readonly subjects: [string, string]
  private readonly instances: Instance[] = []
  private nextInstance = 1

  constructor(
    private readonly nc: NatsConnection,
    readonly entity: EntityRef,
    readonly version: string,
    private readonly handler: Handler,
    private readonly hostId: string,
    private readonly inFlight: InFlight,
    lattice: string,
  ) {
    this.subjects = [unversionedSubject(lattice, entity), versionedSubject(lattice, entity, version)]
  }

  get count(): number {
    return this.instances.length
  }

  /** Add or remove instances until `count` run. Removed ones drain: nothing delivered is lost. */
  async scale(count: number): Promise<void> {
    while (this.instances.length < count) this.instances.push(this.startInstance())
    const removed = this.instances.splice(count)
    await Promise.all(removed.flatMap((i) => i.subs.map((s) => s.drain().catch(() => undefined))))
  }

  inventory(): InventoryEntry {
    return {
      kind: this.entity.kind,
      id: this.entity.id,
      ...(this.entity.kind === 'provider' ? { link: this.entity.link } : {}),
      version: this.version,
      count: this.instances.length,
      subjects: [...this.subjects],
    }
  }

  private startInstance(): Instance {
    const instance = this.nextInstance++
    const queue = entityQueueGroup(this.entity)
    const subs = this.subjects.map((subject, i) => {
      const ctx: RpcContext = Object.freeze({ entity: this.entity, version: this.version, subject, versioned: i === 1, hostId: this.hostId, instance })
      return this.nc.subscribe(subject, { queue, callback: (err, msg) => err || this.dispatch(msg, ctx) })
    }) as [Subscription, Subscription]
    return { subs }
  }

  private dispatch(msg: Msg, ctx: RpcContext): void {
    let out: RpcReply | Promise<RpcReply>
    try {
      out = this.handler(msg, ctx)
    } catch (e) {
      replyError(msg, e)
      return
    }
    if (out instanceof Promise) {
      this.inFlight.enter()
      out.then(
        (r) => reply(msg, r),
        (e) => replyError(msg, e),
      ).finally(() => this.inFlight.leave())
    } else {
      reply(msg, out)
    }
  }
}

function reply(msg: Msg, out: RpcReply): void {
  if (!msg.reply) return
  msg.respond(out === undefined ? EMPTY : typeof out === 'string' ? encoder.encode(out) : out)
}

/** A handler that throws answers the caller with an error (NATS service-error headers). */
function replyError(msg: Msg, e: unknown): void {
  if (!msg.reply) return
  const h = headers()
  h.set('Nats-Service-Error', (e instanceof Error ? e.message : String(e)).replace(/[\r\n]+/g, ' ') || 'handler failed')
  h.set('Nats-Service-Error-Code', '500')
  msg.respond(EMPTY, { headers: h })
}
