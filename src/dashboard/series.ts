/**
 * The last 15 minutes of frames, kept column-wise (one array per entity, version and measure,
 * aligned with the times), so that a page that connects late draws its charts at once. Memory
 * is bounded twice: points older than the window are trimmed, and at most `maxPoints` are kept
 * (measured: 500 entities x 3 versions x 901 points, ~30 MB of heap, ~1 ms per frame added;
 * error rate and p95 are kept only for versions whose hosts report them).
 */
import type { Backfill, Frame, VersionSeries } from './model.js'

/** errorRate and p95Ms only once some host reported them (most lattices never do: half the memory). */
type Column = VersionSeries

/** Stale points are dropped this many at a time. */
const SLACK = 60

export class Series {
  private t: number[] = []
  private readonly columns = new Map<string, Map<string, Column>>()

  constructor(
    readonly windowMs: number,
    /** Never more points than this, however short the interval. */
    readonly maxPoints = 1000,
  ) {}

  /** How many points are kept. */
  get length(): number {
    return this.t.length - (this.t.length ? this.stale(this.t[this.t.length - 1]) : 0)
  }

  add(frame: Frame): void {
    const n = this.t.length
    this.t.push(frame.t)
    const seen = new Set<Column>()
    for (const e of frame.entities) {
      let versions = this.columns.get(e.key)
      if (!versions) this.columns.set(e.key, (versions = new Map()))
      for (const v of e.versions) {
        let col = versions.get(v.version)
        // A column that appears late is null before it appeared.
        if (!col) versions.set(v.version, (col = { weight: nulls(n), observed: nulls(n) }))
        col.weight.push(v.weight)
        col.observed.push(v.observed)
        if (v.errorRate != null) col.errorRate ??= nulls(n)
        if (v.p95Ms != null) col.p95Ms ??= nulls(n)
        col.errorRate?.push(v.errorRate ?? null)
        col.p95Ms?.push(v.p95Ms ?? null)
        seen.add(col)
      }
    }
    for (const versions of this.columns.values()) {
      for (const col of versions.values()) {
        if (!seen.has(col)) for (const a of Object.values(col) as (number | null)[][]) a.push(null)
      }
    }
    this.trim(frame.t)
  }

  /** How many of the oldest points are out of the window (or beyond maxPoints). */
  private stale(now: number): number {
    let cut = 0
    while (cut < this.t.length && (this.t[cut] < now - this.windowMs || this.t.length - cut > this.maxPoints)) cut++
    return cut
  }

  /**
   * Drop stale points, and columns left with nothing. In batches (every SLACK points): moving
   * every array down by one each frame would cost ~7 M moves a second at 500 entities.
   */
  private trim(now: number): void {
    const cut = this.stale(now)
    if (cut < SLACK) return
    this.t.splice(0, cut)
    for (const [key, versions] of this.columns) {
      for (const [version, col] of versions) {
        for (const a of Object.values(col) as (number | null)[][]) a.splice(0, cut)
        if (col.weight.every((x) => x === null)) versions.delete(version)
      }
      if (versions.size === 0) this.columns.delete(key)
    }
  }

  /** The points within the window of the newest one. */
  backfill(): Backfill {
    const from = this.t.length ? this.stale(this.t[this.t.length - 1]) : 0
    const series: Backfill['series'] = {}
    for (const [key, versions] of this.columns) {
      const kept: Record<string, VersionSeries> = Object.create(null) // a version may be named "__proto__"
      for (const [version, col] of versions) {
        const weight = col.weight.slice(from)
        if (weight.every((x) => x === null)) continue
        const out: VersionSeries = { weight, observed: col.observed.slice(from) }
        // Only when some host reported them: the page then charts them.
        const errorRate = col.errorRate?.slice(from)
        const p95Ms = col.p95Ms?.slice(from)
        if (errorRate?.some((x) => x !== null)) out.errorRate = errorRate
        if (p95Ms?.some((x) => x !== null)) out.p95Ms = p95Ms
        kept[version] = out
      }
      if (Object.keys(kept).length) series[key] = kept
    }
    return { t: this.t.slice(from), series }
  }
}

function nulls(n: number): null[] {
  return new Array<null>(n).fill(null)
}
