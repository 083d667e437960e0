/**
 * The lattice's state, kept server-side in a JetStream KV bucket so that every machine sees
 * the same history and every change is a compare-and-set on the bucket's revision. The only
 * module (besides resolver/ and host-core) that speaks NATS; it knows keys and bytes, not
 * what the records mean.
 *   <account>.head          the latest committed revision, and an intent in flight
 *   <account>.rev.<n>       one record per revision (n zero-padded, so keys sort)
 *
 * Availability: the bucket is created with one replica per JetStream server, up to 3, so that
 * losing any one server loses nothing. While its stream elects a new leader (seconds), requests
 * fail or time out: each call is retried for up to STATE_WAIT_MS, on a connection that
 * reconnects to another server. Reads go to the stream leader (no direct get from a replica
 * that may lag), so a compare-and-set never starts from a stale read.
 */
import type { JetStreamManager, KV, NatsConnection } from 'nats'
import type { Credentials } from '../auth/creds-file.js'
import type { Deadline } from '../deadline.js'
import { isLatticeError } from '../errors.js'
import { redactDeep } from '../redact.js'
import { openConnection } from '../resolver/connection.js'
import { LinkGone, goneForGood, unlessGone } from '../resolver/link.js'
import {
  BUCKET,
  NO_RESPONDERS_WAIT_MS,
  STATE_WAIT_MS,
  STREAM,
  backoff,
  isNoResponders,
  isTransient,
  stateUnavailable,
} from './availability.js'

export { BUCKET, STREAM }

export interface Versioned<T> {
  value: T
  /** The KV revision to compare-and-set against. */
  kvRevision: number
}

export interface BucketReplica {
  server: string
  /** Caught up with the leader. */
  current: boolean
  offline: boolean
}

export interface BucketInfo {
  bucket: string
  stream: string
  replicas: number
  /** The server whose copy takes the writes (none while one is elected). */
  leader?: string
  /** The other copies. */
  followers: BucketReplica[]
  /** Keys held (history records, heads, rollouts). */
  values: number
}

export interface OpenOptions {
  deadline?: Deadline
  /** How many replicas a bucket that does not exist yet gets (asked only then). */
  replicas: () => Promise<number>
}

export class StateStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
  ) {}

  /** Connect as the state user and open the bucket, creating it if it does not exist. */
  static async open(servers: string, creds: Credentials, opts: OpenOptions): Promise<StateStore> {
    const nc = await openConnection({ servers, creds, name: 'lattice-state', deadline: opts.deadline, reconnect: true })
    try {
      opts.deadline?.at(`opening the state bucket ${BUCKET}`)
      return await retrying(nc, 'opened', async () => {
        // The manager's API check ($JS.API.INFO) stays, round trip and all: for state creds of an
        // account without JetStream (the system account's) it says so at once, where the stream
        // info below would only time out (state-availability.test, every server version).
        const jsm = await nc.jetstreamManager()
        // checkAPI false: the manager above already asked whether JetStream answers; binding
        // the bucket would ask again (one more round trip on every command with history).
        const js = nc.jetstream({ checkAPI: false })
        const exists = await jsm.streams.info(STREAM).then(
          () => true,
          (e: Error) => (/stream not found/i.test(e.message) ? false : Promise.reject(e)),
        )
        // allow_direct false: reads from the leader only (see above), whatever the stream allows.
        const kv = exists
          ? await js.views.kv(BUCKET, { bindOnly: true, allow_direct: false })
          : await js.views.kv(BUCKET, { history: 1, replicas: await opts.replicas(), allow_direct: false })
        return new StateStore(nc, jsm, kv)
      })
    } catch (e) {
      await nc.close().catch(() => undefined)
      throw e
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
    let unsure = false
    try {
      return await retrying(this.nc, 'answered', async () => {
        try {
          return await (kvRevision === 0 ? this.kv.create(key, data) : this.kv.update(key, data, kvRevision))
        } catch (e) {
          if (isTransient(e)) unsure = true // it may have been written all the same: the next try tells
          throw e
        }
      })
    } catch (e) {
      if (!/wrong last sequence|key exists/i.test((e as Error).message)) throw e
      // A write whose reply was lost (a leader change) fails its retry with a conflict: ours, if the key holds our bytes.
      if (unsure) {
        const entry = await this.call(() => this.kv.get(key))
        if (entry && sameBytes(entry.value, data)) return entry.revision
      }
      return undefined
    }
  }

  async put<T>(key: string, value: T): Promise<void> {
    await this.call(() => this.kv.put(key, encode(value)))
  }

  async remove(key: string): Promise<void> {
    await this.call(() => this.kv.delete(key))
  }

  /**
   * Keys under `filter` still held by the stream (a deleted key may be listed: `get` says so).
   * Asked of the stream leader (stream info), not with a consumer: a consumer may be placed on a
   * replica still catching up (just after `scale`) and would list fewer keys.
   */
  async keys(filter: string): Promise<string[]> {
    const prefix = `$KV.${BUCKET}.`
    const si = await this.call(() => this.jsm.streams.info(STREAM, { subjects_filter: prefix + filter }))
    return Object.keys(si.state.subjects ?? {})
      .map((s) => s.slice(prefix.length))
      .sort()
  }

  /** The bucket's replicas and where they are. */
  async info(): Promise<BucketInfo> {
    const si = await this.call(() => this.jsm.streams.info(STREAM))
    // A server outside any cluster names no leader: it is the server we are connected to.
    const leader = si.cluster?.leader ?? (si.cluster?.replicas?.length ? undefined : this.nc.info?.server_name)
    return {
      bucket: BUCKET,
      stream: STREAM,
      replicas: si.config.num_replicas,
      ...(leader ? { leader } : {}),
      followers: (si.cluster?.replicas ?? [])
        .map((r) => ({ server: r.name, current: r.current, offline: Boolean(r.offline) }))
        .sort((a, b) => a.server.localeCompare(b.server)),
      values: si.state.messages,
    }
  }

  /** Change the replica count in place (the servers copy every record to the new replicas). */
  async scale(replicas: number): Promise<void> {
    await this.call(async () => {
      const si = await this.jsm.streams.info(STREAM)
      if (si.config.num_replicas !== replicas)
        await this.jsm.streams.update(STREAM, { ...si.config, num_replicas: replicas })
    })
  }

  /** Publish a record (redacted, like everything filed) on a subject: fire-and-forget, for notifications. */
  publish(subject: string, value: unknown): void {
    this.nc.publish(subject, encode(value))
  }

  /** Until the server has everything published so far. */
  async flush(): Promise<void> {
    await this.nc.flush()
  }

  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined)
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retrying(this.nc, 'answered', fn)
  }
}

/**
 * Run `fn`, retrying what a leader election or a reconnect explains; anything else (or running
 * out of time) is STATE_UNAVAILABLE. A connection lost with no server left that takes new ones
 * is not waited out: that ends it at once, saying so.
 */
async function retrying<T>(nc: NatsConnection, verb: 'opened' | 'answered', fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await unlessGone(nc, fn())
    } catch (e) {
      if (isLatticeError(e) || /wrong last sequence|key exists/i.test((e as Error).message)) throw e
      if (e instanceof LinkGone) throw stateUnavailable(e, verb)
      const pause = backoff(attempt)
      const giveUpAt = start + (isNoResponders(e) ? NO_RESPONDERS_WAIT_MS : STATE_WAIT_MS)
      if (!isTransient(e) || Date.now() + pause > giveUpAt) throw stateUnavailable(e as Error, verb)
      const gone = await goneForGood(nc)
      if (gone) throw stateUnavailable(new Error(gone), verb)
      await new Promise((r) => setTimeout(r, pause))
    }
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** Records are filed with any secret redacted: the history is read by everyone with state creds. */
function encode(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(redactDeep(value)))
}
