/**
 * Watching real traffic without taking part in it: an application-account user subscribes
 * (not in the instances' queue group) to the versioned subjects and counts what arrives;
 * nothing is sent. Only subjects with instances are watched: a watcher on a subject nobody
 * serves would turn the callers' "no responders" into timeouts.
 */
import type { Connection } from '../resolver/connection.js'

export interface WatchedEntity {
  key: string
  /** version -> versioned subject */
  subjects: Record<string, string>
}

/** Messages per version of each entity since the last take(). */
export type Counts = Record<string, Record<string, number>>

export class SplitObserver {
  private counts: Counts = {}
  private subs = new Map<string, { unsubscribe(): void }>()

  constructor(private readonly nc: Connection) {}

  /** Watch exactly these entities and versions (subscriptions are added and dropped to match). */
  async watch(entities: WatchedEntity[]): Promise<void> {
    const wanted = new Map<string, [string, string]>()
    for (const e of entities)
      for (const [version, subject] of Object.entries(e.subjects)) wanted.set(subject, [e.key, version])
    for (const [subject, sub] of this.subs) {
      if (!wanted.has(subject)) {
        sub.unsubscribe()
        this.subs.delete(subject)
      }
    }
    for (const [subject, [key, version]] of wanted) {
      if (this.subs.has(subject)) continue
      const bucket = (this.counts[key] ??= {})
      bucket[version] ??= 0
      this.subs.set(
        subject,
        this.nc.subscribe(subject, {
          callback: () => (this.counts[key][version] = (this.counts[key][version] ?? 0) + 1),
        }),
      )
    }
    await this.nc.flush()
  }

  /** The counts since the previous take, and start counting afresh. */
  take(): Counts {
    const out = this.counts
    this.counts = Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, Object.fromEntries(Object.keys(v).map((version) => [version, 0]))]),
    )
    return out
  }

  stop(): void {
    for (const sub of this.subs.values()) sub.unsubscribe()
    this.subs.clear()
  }
}

/** Each version's share of what was observed, in percent (empty when nothing was). */
export function observedShares(counts: Record<string, number>): Record<string, number> {
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  return total === 0 ? {} : Object.fromEntries(Object.entries(counts).map(([v, n]) => [v, (n / total) * 100]))
}
