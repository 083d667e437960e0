/**
 * A service's calls per version, from the instances' own counters ($SRV.STATS.<name>, asked once
 * a second): requests, errors and total processing time of the endpoints lattice routes, summed
 * over instances. The counters are cumulative from `started`, per instance id: a window is the
 * difference between now and the first answer after the window opened (calls from before it
 * stay out, as with the hosts' reports); an instance first heard later counts from its first
 * answer; one whose `started` moved or whose counters went down was reset and counts from zero.
 * There is no latency distribution: only a total, so the window's latency is an average.
 */
import { Arrivals, type CallCounter } from '../analysis/call-counter.js'
import { emptyWindow } from '../analysis/collector.js'
import type { WindowMetrics } from '../analysis/window.js'
import type { Connection } from '../resolver/connection.js'
import { gather } from '../resolver/servers.js'
import { SRV_QUIET_MS } from './discovery.js'
import { type InstanceStats, parseStats } from './srv-protocol.js'

/** One instance's counters over the routed endpoints. */
interface Counts {
  version: string
  started: string
  requests: number
  errors: number
  processingNs: number
}

export const STATS_INTERVAL_MS = Number(process.env.LATTICE_SERVICE_STATS_INTERVAL_MS) || 1000

export class ServiceStatsCounter implements CallCounter {
  readonly intervalMs = STATS_INTERVAL_MS
  private latest = new Map<string, Counts>()
  private base: Map<string, Counts> | undefined = new Map()
  private marking = false
  private arrivals = new Arrivals()
  private timer?: NodeJS.Timeout
  private stopped = false

  /**
   * `endpoints`: the names of the endpoints whose calls count (those lattice routes; none named:
   * all); a version's instances may serve others that callers do not reach through the mapping.
   */
  constructor(
    private readonly nc: Connection,
    private readonly name: string,
    private readonly endpoints: ReadonlySet<string>,
  ) {}

  /** The first answers, then one look a second until stop(). */
  async start(): Promise<void> {
    await this.poll()
    const loop = () => {
      if (this.stopped) return
      this.timer = setTimeout(() => void this.poll().finally(loop), this.intervalMs)
    }
    loop()
  }

  private async poll(): Promise<void> {
    const answers = await gather(this.nc, `$SRV.STATS.${this.name}`, '', {
      quietMs: SRV_QUIET_MS,
      maxWaitMs: 2000,
      noResponders: 'empty',
    }).catch(() => [])
    const now = new Map<string, Counts>()
    for (const raw of answers) {
      const s = parseStats(raw)
      // Not a service's answer, or another service's: not counted.
      if ('problem' in s || s.name !== this.name) continue
      now.set(s.id, this.counts(s))
    }
    // An instance that did not answer this time keeps its last counts (a lost answer loses nothing).
    for (const [id, c] of now) this.latest.set(id, c)
    if (this.marking) {
      this.base = new Map(this.latest)
      this.marking = false
    } else if (this.base) for (const [id, c] of now) if (!this.base.has(id)) this.base.set(id, c)
    this.arrivals.wake()
  }

  private counts(s: InstanceStats): Counts {
    const routed = this.endpoints.size ? s.endpoints.filter((e) => this.endpoints.has(e.name)) : s.endpoints
    const sum = (k: 'requests' | 'errors' | 'processingNs') => routed.reduce((a, e) => a + e[k], 0)
    return {
      version: s.version,
      started: s.started,
      requests: sum('requests'),
      errors: sum('errors'),
      processingNs: sum('processingNs'),
    }
  }

  versions(): Set<string> {
    return new Set([...this.latest.values()].map((c) => c.version))
  }

  begin(): void {
    this.marking = true
    this.base = undefined
  }

  window(): Map<string, WindowMetrics> {
    const out = new Map<string, WindowMetrics>()
    if (!this.base) return out // the window opened after the latest answers: none of its calls are known yet
    for (const [id, now] of this.latest) {
      const then = this.base.get(id)
      const same =
        then &&
        then.started === now.started &&
        now.requests >= then.requests &&
        now.errors >= then.errors &&
        now.processingNs >= then.processingNs
      const from = same ? then : { requests: 0, errors: 0, processingNs: 0 }
      const w = out.get(now.version) ?? { ...emptyWindow(), processingMs: 0 }
      w.calls += now.requests - from.requests
      w.errors += Math.min(now.errors - from.errors, now.requests - from.requests)
      w.processingMs = (w.processingMs ?? 0) + (now.processingNs - from.processingNs) / 1e6
      out.set(now.version, w)
    }
    return out
  }

  next(ms: number): Promise<void> {
    return this.arrivals.next(ms)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.arrivals.wake()
  }
}
