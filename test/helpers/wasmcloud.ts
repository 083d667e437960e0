/**
 * An emulated wasmCloud 1.x host (serving component IDs) and a linked caller, on plain nats.js,
 * speaking wRPC over NATS the way wasmCloud 1.x does. No lattice code: what lattice's mappings
 * do to a real wasmCloud lattice is what they do to this.
 *
 * Read, not guessed (docs/wasmcloud.md "How it works" has the same, with more detail):
 * - wasmCloud/wasmCloud tag v1.9.2 (e79bcf9935b94395ec33c7453aa439454d1936c2, the last 1.x):
 *   crates/host/src/wasmbus/mod.rs serves a component with
 *   `wrpc_transport_nats::Client::new(rpc_nats, "{lattice}.{id}", Some("{lattice}.{id}"))`
 *   (prefix and queue group); crates/host/src/wasmbus/handler.rs invokes a linked target with
 *   `Client::new(nats, "{lattice}.{target id}", None)`, headers `source-id`, `link-name` (plus
 *   W3C trace context). Its Cargo.lock: wrpc-transport-nats 0.29.0, wrpc-transport 0.28.4,
 *   wrpc-runtime-wasmtime 0.30.0.
 * - bytecodealliance/wrpc crates/transport-nats/src/lib.rs at 6603bd79150736914d52e4b86cd08c883c3cdafa
 *   (wrpc-transport-nats 0.29.0): PROTOCOL "wrpc.0.0.1", invocation_subject, the handshake,
 *   `.params`/`.results`, an empty message ends a stream. crates/runtime-wasmtime/src/lib.rs
 *   `call` at crates/runtime-wasmtime/v0.30.0: on any failure nothing is written, the result
 *   writer is dropped, and its Drop sends the empty end-of-stream message.
 * - wasmcloud.com (9a97657540a13b33149d1d1a8995bc93781f5649) versioned_docs/version-v1:
 *   hosts/lattice-protocols/rpc.md ("RPC") and reference/nats/subjects.md ("NATS Subjects"):
 *   `{lattice}.{component_id}.wrpc.{protocol_version}.{namespace}:{package}/{interface}@{version}.{function}`.
 *   (The RPC page lists headers `source`, `target`, `link_name`; the v1.9.2 code sends
 *   `source-id` and `link-name`: this follows the code.)
 *
 * One invocation:
 * 1. host: queue-subscribes `{lattice}.{id}.wrpc.0.0.1.{instance}.{func}`, group `{lattice}.{id}`.
 * 2. caller: rx = `{its inbox}.{nuid}`; listens on rx and `{rx}.results`; publishes the
 *    invocation subject with reply rx, its headers, and the encoded params (as much as fits the
 *    server's max_payload). No one serving: the server's 503 status arrives on rx.
 * 3. host: srx = `{its inbox}.{nuid}`; listens on `{srx}.params`; publishes to rx with reply srx
 *    and an empty payload (handshake accept).
 * 4. caller: the rest of the params to `{srx}.params`, then an empty message there (end).
 * 5. host: the results to `{rx}.results` (in max_payload chunks), then an empty message (end).
 *    A failed call sends only that empty message: the caller reads "incomplete results".
 * Only step 1's subject names a component; everything after travels over inboxes.
 *
 * Values use wRPC's encoding (wrpc-transport 0.28.4 value.rs): a string is a LEB128 u32 byte
 * length and its UTF-8 bytes. The emulated export is `greet(name: string) -> string`, answering
 * `"{component id}|hello {name}"` so the caller can count who answered.
 */
import { type Msg, type MsgHdrs, type NatsConnection, type Subscription, createInbox, headers as natsHeaders, nuid } from 'nats'

export const WRPC_PROTOCOL = 'wrpc.0.0.1'
export const GREETER = { instance: 'lattice:test/greeter@0.1.0', func: 'greet' }

/** `{lattice}.{id}.wrpc.0.0.1.{instance}.{func}` (wrpc-transport-nats invocation_subject with prefix `{lattice}.{id}`). */
export function invocationSubject(lattice: string, id: string, instance = GREETER.instance, func = GREETER.func): string {
  return `${lattice}.${id}.${WRPC_PROTOCOL}.${instance}.${func}`
}

export function encodeString(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s)
  const len: number[] = []
  let n = bytes.length
  do {
    const b = n & 0x7f
    n >>>= 7
    len.push(n ? b | 0x80 : b)
  } while (n)
  const out = new Uint8Array(len.length + bytes.length)
  out.set(len)
  out.set(bytes, len.length)
  return out
}

/** The string at the start of `buf`, or undefined while more bytes are needed. */
export function decodeString(buf: Uint8Array): string | undefined {
  let len = 0
  let shift = 0
  let i = 0
  for (;; i++) {
    if (i >= buf.length) return undefined
    len |= (buf[i] & 0x7f) << shift
    shift += 7
    if (!(buf[i] & 0x80)) break
  }
  if (buf.length < i + 1 + len) return undefined
  return new TextDecoder().decode(buf.subarray(i + 1, i + 1 + len))
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** One `{inbox}.>` subscription routing by exact subject, like wrpc-transport-nats' Client. */
class Inbox {
  readonly prefix = `${createInbox()}.`
  private readonly routes = new Map<string, (m: Msg) => void>()
  private readonly sub: Subscription
  constructor(nc: NatsConnection) {
    this.sub = nc.subscribe(`${this.prefix}>`, { callback: (_, m) => this.routes.get(m.subject)?.(m) })
  }
  next(): string {
    return `${this.prefix}${nuid.next()}`
  }
  on(subject: string, fn: (m: Msg) => void): void {
    this.routes.set(subject, fn)
  }
  off(subject: string): void {
    this.routes.delete(subject)
  }
  close(): void {
    this.sub.unsubscribe()
  }
}

function publishChunked(nc: NatsConnection, subject: string, data: Uint8Array): void {
  const max = nc.info?.max_payload ?? 1024 * 1024
  for (let i = 0; i < data.length; i += max) nc.publish(subject, data.subarray(i, i + max))
  nc.publish(subject) // empty: end of stream
}

export interface HostOptions {
  lattice?: string
  /** Share of calls (0..1) answered with the transport's failure form (end of results, no value). */
  failRate?: number
  /** Milliseconds each call takes. */
  delayMs?: number
}

export interface ServedComponent {
  id: string
  /** Calls it answered (successfully or not). */
  served: number
  failed: number
  /** Param messages with data that reached it over its inbox after the handshake. */
  paramMessages: number
  /** Headers of the last invocation it got. */
  lastHeaders?: MsgHdrs
  failRate: number
  delayMs: number
  stop(): Promise<void>
}

/** An emulated wasmCloud 1.x host: serves each component ID's `greet` export. */
export class EmulatedHost {
  private readonly inbox: Inbox
  private readonly subs: Subscription[] = []
  readonly components = new Map<string, ServedComponent>()
  constructor(private readonly nc: NatsConnection) {
    this.inbox = new Inbox(nc)
  }

  async serve(id: string, opts: HostOptions = {}): Promise<ServedComponent> {
    const lattice = opts.lattice ?? 'default'
    const sub = this.nc.subscribe(invocationSubject(lattice, id), { queue: `${lattice}.${id}`, callback: (_, m) => void this.handle(c, m) })
    const c: ServedComponent = {
      id,
      served: 0,
      failed: 0,
      paramMessages: 0,
      failRate: opts.failRate ?? 0,
      delayMs: opts.delayMs ?? 0,
      stop: async () => {
        sub.unsubscribe()
        this.components.delete(id)
        await this.nc.flush()
      },
    }
    this.subs.push(sub)
    this.components.set(id, c)
    await this.nc.flush()
    return c
  }

  private async handle(c: ServedComponent, m: Msg): Promise<void> {
    if (!m.reply) return // "peer did not specify a reply subject"
    const tx = m.reply
    c.lastHeaders = m.headers
    const srx = this.inbox.next()
    let buf = m.data
    let more: (() => void) | undefined
    this.inbox.on(`${srx}.params`, (p) => {
      if (p.data.length) {
        c.paramMessages++
        buf = concat(buf, p.data)
      }
      more?.()
    })
    this.nc.publish(tx, undefined, { reply: srx }) // handshake accept
    try {
      const deadline = Date.now() + 10_000
      let name = decodeString(buf)
      while (name === undefined && Date.now() < deadline) {
        await new Promise<void>((r) => {
          more = r
          setTimeout(r, 200)
        })
        name = decodeString(buf)
      }
      if (c.delayMs) await new Promise((r) => setTimeout(r, c.delayMs))
      c.served++
      if (name === undefined || Math.random() < c.failRate) {
        c.failed++
        this.nc.publish(`${tx}.results`) // the dropped writer's end of stream, no value
        return
      }
      publishChunked(this.nc, `${tx}.results`, encodeString(`${c.id}|hello ${name}`))
    } finally {
      this.inbox.off(`${srx}.params`)
    }
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe()
    this.inbox.close()
    await this.nc.flush()
  }
}

export type CallOutcome =
  | { ok: true; answeredBy: string; text: string }
  | { ok: false; error: 'no responders' | 'incomplete results' | 'timeout'; answeredBy?: undefined }

export interface CallerOptions {
  lattice?: string
  /** This caller's own component ID (the `source-id` header). */
  sourceId?: string
  linkName?: string
  timeoutMs?: number
}

export interface Tally {
  answered: Record<string, number>
  errors: number
  noResponders: number
  timeouts: number
  total: number
}

/** A component's host invoking a linked component's `greet`, as wasmCloud 1.x does. */
export class EmulatedCaller {
  private readonly inbox: Inbox
  private readonly lattice: string
  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: CallerOptions = {},
  ) {
    this.inbox = new Inbox(nc)
    this.lattice = opts.lattice ?? 'default'
  }

  /** One call of `greet(name)` on the linked target component ID. */
  invoke(target: string, name = 'world'): Promise<CallOutcome> {
    const rx = this.inbox.next()
    const params = encodeString(name)
    const max = Math.max(1, (this.nc.info?.max_payload ?? 1024 * 1024) - rx.length - 256)
    return new Promise<CallOutcome>((resolve) => {
      let results = new Uint8Array(0)
      const done = (o: CallOutcome) => {
        clearTimeout(timer)
        this.inbox.off(rx)
        this.inbox.off(`${rx}.results`)
        resolve(o)
      }
      const timer = setTimeout(() => done({ ok: false, error: 'timeout' }), this.opts.timeoutMs ?? 10_000)
      this.inbox.on(rx, (m) => {
        if (m.headers?.code === 503) return done({ ok: false, error: 'no responders' })
        if (!m.reply) return
        // Handshake accepted: the rest of the params, then the end of the param stream.
        publishChunked(this.nc, `${m.reply}.params`, params.subarray(max))
      })
      this.inbox.on(`${rx}.results`, (m) => {
        if (m.data.length === 0) {
          const text = decodeString(results)
          if (text === undefined) return done({ ok: false, error: 'incomplete results' })
          const [answeredBy, ...rest] = text.split('|')
          return done({ ok: true, answeredBy, text: rest.join('|') })
        }
        results = concat(results, m.data)
      })
      const h = natsHeaders()
      h.set('source-id', this.opts.sourceId ?? 'caller')
      h.set('link-name', this.opts.linkName ?? 'default')
      this.nc.publish(invocationSubject(this.lattice, target), params.subarray(0, max), { reply: rx, headers: h })
    })
  }

  /** `count` calls, `concurrency` at a time, tallied by who answered and how they failed. */
  async invokeMany(target: string, count: number, concurrency = 50): Promise<Tally> {
    const t: Tally = { answered: {}, errors: 0, noResponders: 0, timeouts: 0, total: 0 }
    let next = 0
    const worker = async () => {
      while (next < count) {
        next++
        const o = await this.invoke(target)
        t.total++
        if (o.ok) t.answered[o.answeredBy] = (t.answered[o.answeredBy] ?? 0) + 1
        else if (o.error === 'no responders') t.noResponders++
        else if (o.error === 'timeout') t.timeouts++
        else t.errors++
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
    return t
  }

  close(): void {
    this.inbox.close()
  }
}
