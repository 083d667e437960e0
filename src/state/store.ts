/**
 * The lattice's state, kept server-side in a JetStream KV bucket so that every machine sees
 * the same history and every change is a compare-and-set on the bucket's revision. The only
 * module (besides resolver/ and host-core) that speaks NATS; it knows keys and bytes, not
 * what the records mean.
 *   <account>.head          the latest committed revision, and an intent in flight
 *   <account>.rev.<n>       one record per revision (n zero-padded, so keys sort)
 */
import type { KV, NatsConnection } from 'nats'
import type { Credentials } from '../auth/creds.js'
import type { Deadline } from '../deadline.js'
import { LatticeError, isLatticeError } from '../errors.js'
import { redactDeep } from '../redact.js'
import { openConnection } from '../resolver/connection.js'

export const BUCKET = process.env.LATTICE_STATE_BUCKET ?? 'lattice-state'

export interface Versioned<T> {
  value: T
  /** The KV revision to compare-and-set against. */
  kvRevision: number
}

export class StateStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
  ) {}

  /** Connect as the state user and open (or create) the bucket. */
  static async open(servers: string, creds: Credentials, deadline?: Deadline): Promise<StateStore> {
    const nc = await openConnection({ servers, creds, name: 'lattice-state', deadline })
    try {
      deadline?.at(`opening the state bucket ${BUCKET}`)
      const replicas = Number(process.env.LATTICE_STATE_REPLICAS) || 1
      const kv = await nc.jetstream().views.kv(BUCKET, { history: 1, replicas })
      return new StateStore(nc, kv)
    } catch (e) {
      await nc.close().catch(() => undefined)
      throw new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} cannot be opened: ${(e as Error).message}.`, {
        hint: 'Use --state-creds (LATTICE_STATE_CREDS) of a user in an account with JetStream enabled, on servers running JetStream.',
      })
    }
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = await this.call(() => this.kv.get(key))
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined
    return { value: JSON.parse(new TextDecoder().decode(entry.value)) as T, kvRevision: entry.revision }
  }

  /** Write `value` only if the key is still at `kvRevision` (0: only if it does not exist). Undefined when someone else wrote first. */
  async compareAndSet<T>(key: string, value: T, kvRevision: number): Promise<number | undefined> {
    const data = encode(value)
    try {
      return await (kvRevision === 0 ? this.kv.create(key, data) : this.kv.update(key, data, kvRevision))
    } catch (e) {
      if (/wrong last sequence|key exists/i.test((e as Error).message)) return undefined
      throw this.unavailable(e)
    }
  }

  async put<T>(key: string, value: T): Promise<void> {
    await this.call(() => this.kv.put(key, encode(value)))
  }

  async remove(key: string): Promise<void> {
    await this.call(() => this.kv.delete(key))
  }

  async keys(filter: string): Promise<string[]> {
    return this.call(async () => {
      const out: string[] = []
      for await (const k of await this.kv.keys(filter)) out.push(k)
      return out.sort()
    })
  }

  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined)
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw this.unavailable(e)
    }
  }

  private unavailable(e: unknown): Error {
    if (isLatticeError(e)) return e
    return new LatticeError('STATE_UNAVAILABLE', `The state bucket ${BUCKET} did not answer: ${(e as Error).message}.`, {
      hint: 'Check that JetStream is up on the servers; `lattice history` and `lattice status` show what is recorded and what is live.',
    })
  }
}

/** Records are filed with any secret redacted: the history is read by everyone with state creds. */
function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(redactDeep(value)))
}
