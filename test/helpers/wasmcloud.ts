/**
 * An emulated wasmCloud 1.x host (serving component IDs) and a linked caller, on plain nats.js,
 * speaking wRPC over NATS the way wasmCloud 1.x does (wrpc.ts: the protocol, read from
 * wasmCloud's and wRPC's code). No lattice code: what lattice's mappings do to a real wasmCloud
 * lattice is what they do to this.
 */
import { type Msg, type MsgHdrs, type NatsConnection, type Subscription, headers as natsHeaders } from 'nats'
import { Inbox, concat, decodeString, encodeString, invocationSubject, publishChunked } from './wrpc.js'

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
    const sub = this.nc.subscribe(invocationSubject(lattice, id), {
      queue: `${lattice}.${id}`,
      callback: (_, m) => void this.handle(c, m),
    })
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
