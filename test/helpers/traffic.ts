/** Measure where real messages go: subscribers on versioned subjects, a publisher on the unversioned one. */
import { type MsgHdrs, type NatsConnection, connect, credsAuthenticator } from 'nats'
import { readFileSync } from 'node:fs'

export async function appConnection(url: string, credsFile: string): Promise<NatsConnection> {
  return connect({ servers: url.split(','), authenticator: credsAuthenticator(readFileSync(credsFile)) })
}

/**
 * Publish `count` messages on `subject` and count how many arrive on each of `destinations`
 * (name -> subject). Resolves once every message is accounted for, or rejects after 20 s.
 */
export async function measureSplit(
  nc: NatsConnection,
  subject: string,
  destinations: Record<string, string>,
  count = 10_000,
  publisher: NatsConnection = nc,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(Object.keys(destinations).map((k) => [k, 0]))
  let total = 0
  let resolveAll: () => void = () => undefined
  const all = new Promise<void>((r) => (resolveAll = r))
  const subs = Object.entries(destinations).map(([name, dest]) =>
    nc.subscribe(dest, {
      callback: () => {
        counts[name]++
        if (++total === count) resolveAll()
      },
    }),
  )
  await nc.flush()
  // Interest must reach the publisher's server over the cluster routes first.
  if (publisher !== nc) await new Promise((r) => setTimeout(r, 300))
  for (let i = 0; i < count; i++) publisher.publish(subject)
  await publisher.flush()
  const timer = new Promise<void>((_, reject) =>
    setTimeout(
      () => reject(new Error(`only ${total} of ${count} messages arrived: ${JSON.stringify(counts)}`)),
      20_000,
    ),
  )
  try {
    await Promise.race([all, timer])
  } finally {
    for (const s of subs) s.unsubscribe()
  }
  return counts
}

export interface TrafficOptions {
  /** Calls sent together (default 10). */
  batch?: number
  /** Pause after each batch (default none). */
  pauseMs?: number
  /** Open loop: send the next batch without waiting for the last one's replies (a slow version does not slow the callers). */
  openLoop?: boolean
  timeoutMs?: number
  payload?: Uint8Array
}

export interface Traffic {
  /** Stop calling, wait for the calls in flight; who answered how often (or 'no responders' / 'other error'). */
  stop(): Promise<Record<string, number>>
}

/** Call `subject` in batches until stopped. */
export function traffic(nc: NatsConnection, subject: string, opts: TrafficOptions = {}): Traffic {
  const { batch = 10, pauseMs = 0, openLoop = false, timeoutMs = 2000, payload } = opts
  const seen: Record<string, number> = {}
  const pending = new Set<Promise<void>>()
  let on = true
  const call = async () => {
    let who: string
    try {
      who = (await nc.request(subject, payload, { timeout: timeoutMs })).string()
    } catch (e) {
      who = (e as { code?: string }).code === '503' ? 'no responders' : 'other error'
    }
    seen[who] = (seen[who] ?? 0) + 1
  }
  const loop = (async () => {
    while (on) {
      const calls = Array.from({ length: batch }, () => {
        const p = call()
        pending.add(p)
        void p.finally(() => pending.delete(p))
        return p
      })
      if (!openLoop) await Promise.all(calls)
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs))
    }
  })()
  let stopped: Promise<Record<string, number>> | undefined
  return {
    stop() {
      on = false
      stopped ??= loop.then(() => Promise.all(pending)).then(() => seen)
      return stopped
    },
  }
}

/** Send `n` requests, `concurrency` at a time; count replies by body, and error replies (Nats-Service-Error) apart. */
export async function callMany(
  nc: NatsConnection,
  subject: string,
  n: number,
  opts: { concurrency?: number; timeoutMs?: number; payload?: string | Uint8Array; headers?: MsgHdrs } = {},
): Promise<{ bodies: Record<string, number>; errors: number }> {
  const { concurrency = 100, timeoutMs = 5000, payload, headers } = opts
  const bodies: Record<string, number> = {}
  let errors = 0
  let sent = 0
  const worker = async () => {
    while (sent < n) {
      sent++
      const r = await nc.request(subject, payload, { timeout: timeoutMs, ...(headers ? { headers } : {}) })
      if (r.headers?.get('Nats-Service-Error')) errors++
      else bodies[r.string()] = (bodies[r.string()] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  return { bodies, errors }
}
