/** Measure where real messages go: subscribers on versioned subjects, a publisher on the unversioned one. */
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
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
  const timer = new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`only ${total} of ${count} messages arrived: ${JSON.stringify(counts)}`)), 20_000))
  try {
    await Promise.race([all, timer])
  } finally {
    for (const s of subs) s.unsubscribe()
  }
  return counts
}
