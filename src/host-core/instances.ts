/**
 * The running instances of one version of one entity on this host. Each instance
 * queue-subscribes to both the unversioned and the versioned subject, in the entity's one
 * queue group: with no mapping, unversioned traffic is balanced over every instance of every
 * version (as before versions existed); with a mapping, it follows the weights.
 */
import { Match, type Msg, type MsgHdrs, type NatsConnection, type Subscription, headers } from 'nats'
import { type EntityRef, entityQueueGroup, unversionedSubject, versionedSubject } from '../subjects/index.js'
import type { VersionCounters } from './metrics.js'
import { PROBE_HEADER } from './metrics-report.js'
import type { Handler, InventoryEntry, RpcContext, RpcReply } from './types.js'

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

/** What a host's instances did with the calls delivered to them (see Host.stats()). */
export interface HostStats {
  /** Calls delivered to a handler. */
  received: number
  /** Replies handed to the connection (handler errors included). */
  answered: number
  /** Calls with no reply subject (plain publishes): nothing to answer. */
  oneWay: number
  /** Replies the connection refused (it had closed): the caller gets no answer. */
  replyFailed: number
  /** Calls whose handler is still running. */
  inFlight: number
}

/**
 * Counts calls, so close() can wait for every answer and a host can prove that every call it
 * received was answered.
 */
export class Calls {
  received = 0
  answered = 0
  oneWay = 0
  replyFailed = 0
  private running = 0
  private waiters: (() => void)[] = []

  /** Told when a reply cannot be sent (for the host's log). */
  constructor(private readonly onReplyFailed: (e: Error) => void = () => undefined) {}

  enter(): void {
    this.running++
  }

  leave(): void {
    if (--this.running === 0) for (const w of this.waiters.splice(0)) w()
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r))
  }

  /** Reply, never throwing: a closed connection counts as a failed reply, not a crash. */
  respond(msg: Msg, data: Uint8Array, opts?: { headers: MsgHdrs }): void {
    if (!msg.reply) {
      this.oneWay++
      return
    }
    try {
      msg.respond(data, opts)
      this.answered++
    } catch (e) {
      this.replyFailed++
      this.onReplyFailed(e as Error)
    }
  }

  stats(): HostStats {
    const { received, answered, oneWay, replyFailed } = this
    return { received, answered, oneWay, replyFailed, inFlight: received - answered - oneWay - replyFailed }
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
    private readonly calls: Calls,
    /** Where this version's real calls are counted (kept when the version stops). */
    private readonly counters: VersionCounters,
    lattice: string,
    /** Told when a subscription fails (e.g. a permissions violation). */
    private readonly onSubError: (subject: string, e: Error) => void = () => undefined,
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
    this.counters.instances = this.instances.length
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
      const ctx: RpcContext = Object.freeze({
        entity: this.entity,
        version: this.version,
        subject,
        versioned: i === 1,
        hostId: this.hostId,
        instance,
      })
      return this.nc.subscribe(subject, {
        queue,
        callback: (err, msg) => (err ? this.onSubError(subject, err) : this.dispatch(msg, ctx)),
      })
    }) as [Subscription, Subscription]
    return { subs }
  }

  private dispatch(msg: Msg, ctx: RpcContext): void {
    const calls = this.calls
    calls.received++
    // A probe is answered as usual but not counted. Headers are parsed only if the message has some.
    const counters = msg.headers?.has(PROBE_HEADER, Match.IgnoreCase) ? undefined : this.counters
    const start = performance.now()
    let out: RpcReply | Promise<RpcReply>
    try {
      out = this.handler(msg, ctx)
    } catch (e) {
      counters?.record(performance.now() - start, true)
      replyError(calls, msg, e)
      return
    }
    if (out instanceof Promise) {
      calls.enter()
      out
        .then(
          (r) => {
            const ms = performance.now() - start
            // Reply first: `counters?.record(...)` would skip its arguments for a probe.
            const ok = reply(calls, msg, r)
            counters?.record(ms, !ok)
          },
          (e) => {
            counters?.record(performance.now() - start, true)
            replyError(calls, msg, e)
          },
        )
        .finally(() => calls.leave())
    } else {
      const ms = performance.now() - start
      const ok = reply(calls, msg, out)
      counters?.record(ms, !ok)
    }
  }
}

/** Answers the handler's result; false when it was of a wrong type (answered as an error). */
function reply(calls: Calls, msg: Msg, out: RpcReply): boolean {
  if (out === undefined || out === null) calls.respond(msg, EMPTY)
  else if (typeof out === 'string') calls.respond(msg, encoder.encode(out))
  else if (out instanceof Uint8Array) calls.respond(msg, out)
  else {
    // A wrong return type must still answer the caller, not leave it waiting.
    replyError(
      calls,
      msg,
      new Error(
        `the handler returned ${Array.isArray(out) ? 'an array' : typeof out}; return a string, a Uint8Array or nothing`,
      ),
    )
    return false
  }
  return true
}

/** A handler that throws answers the caller with an error (NATS service-error headers). */
function replyError(calls: Calls, msg: Msg, e: unknown): void {
  if (!msg.reply) return calls.respond(msg, EMPTY)
  const h = headers()
  h.set('Nats-Service-Error', (e instanceof Error ? e.message : String(e)).replace(/[\r\n]+/g, ' ') || 'handler failed')
  h.set('Nats-Service-Error-Code', '500')
  calls.respond(msg, EMPTY, { headers: h })
}
