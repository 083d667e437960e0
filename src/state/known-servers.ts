/**
 * The servers and leaves seen in earlier changes of an account, kept in the state bucket
 * (`<account>.servers`), so that a change made while one is away says so instead of counting
 * only those that answered. A server removed for good is forgotten with `lattice state forget`.
 */
import type { StateStore } from './store.js'

export interface KnownServer {
  name: string
  kind: 'server' | 'leaf'
  cluster?: string
  /** ISO time of the last change that saw it. */
  lastSeen: string
}

const NAME = /^[\x21-\x7e]{1,128}$/

/** What the bucket holds, checked: anything else written under the key is ignored, not printed. */
function valid(v: unknown): v is KnownServer {
  const k = v as KnownServer
  return (
    typeof k === 'object' &&
    k !== null &&
    typeof k.name === 'string' &&
    NAME.test(k.name) &&
    (k.kind === 'server' || k.kind === 'leaf') &&
    (k.cluster === undefined || (typeof k.cluster === 'string' && NAME.test(k.cluster))) &&
    typeof k.lastSeen === 'string' &&
    !Number.isNaN(Date.parse(k.lastSeen))
  )
}

export class KnownServers {
  constructor(
    private readonly store: StateStore,
    private readonly account: string,
  ) {}

  private get key() {
    return `${this.account}.servers`
  }

  async list(): Promise<KnownServer[]> {
    const entry = await this.store.get<{ servers?: unknown[] }>(this.key)
    return (entry?.value.servers ?? []).filter(valid).sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Add or refresh `seen` (a compare-and-set, retried, so that two writers at once both land). */
  async remember(seen: Omit<KnownServer, 'lastSeen'>[], now = new Date().toISOString()): Promise<void> {
    await this.update((known) => {
      const byName = new Map(known.map((k) => [k.name, k]))
      for (const s of seen) byName.set(s.name, { ...s, lastSeen: now })
      return [...byName.values()]
    })
  }

  /** Drop `names`; returns the ones that were known. */
  async forget(names: string[]): Promise<string[]> {
    let dropped: string[] = []
    await this.update((known) => {
      dropped = known.filter((k) => names.includes(k.name)).map((k) => k.name)
      return known.filter((k) => !names.includes(k.name))
    })
    return dropped
  }

  private async update(fn: (known: KnownServer[]) => KnownServer[]): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.store.get<{ servers?: unknown[] }>(this.key)
      const next = {
        servers: fn((entry?.value.servers ?? []).filter(valid)).sort((a, b) => a.name.localeCompare(b.name)),
      }
      if ((await this.store.compareAndSet(this.key, next, entry?.kvRevision ?? 0)) !== undefined) return
    }
  }
}
