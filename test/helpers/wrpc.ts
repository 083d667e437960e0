/**
 * wRPC over NATS as wasmCloud 1.x speaks it, for the emulated host and caller of wasmcloud.ts:
 * subjects, the string encoding, a connection's one inbox, chunked streams. No lattice code.
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
import { type Msg, type NatsConnection, type Subscription, createInbox, nuid } from 'nats'

export const WRPC_PROTOCOL = 'wrpc.0.0.1'
export const GREETER = { instance: 'lattice:test/greeter@0.1.0', func: 'greet' }

/** `{lattice}.{id}.wrpc.0.0.1.{instance}.{func}` (wrpc-transport-nats invocation_subject with prefix `{lattice}.{id}`). */
export function invocationSubject(
  lattice: string,
  id: string,
  instance = GREETER.instance,
  func = GREETER.func,
): string {
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
  for (; ; i++) {
    if (i >= buf.length) return undefined
    len |= (buf[i] & 0x7f) << shift
    shift += 7
    if (!(buf[i] & 0x80)) break
  }
  if (buf.length < i + 1 + len) return undefined
  return new TextDecoder().decode(buf.subarray(i + 1, i + 1 + len))
}

export const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** One `{inbox}.>` subscription routing by exact subject, like wrpc-transport-nats' Client. */
export class Inbox {
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

export function publishChunked(nc: NatsConnection, subject: string, data: Uint8Array): void {
  const max = nc.info?.max_payload ?? 1024 * 1024
  for (let i = 0; i < data.length; i += max) nc.publish(subject, data.subarray(i, i + max))
  nc.publish(subject) // empty: end of stream
}
