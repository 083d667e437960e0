/**
 * What a server runs against what its JWT says. A server that cannot install one mapping of a
 * JWT (a destination listed twice, an unknown {{function}}, ...) may still answer "jwt updated",
 * store the JWT and keep running its previous mapping for that subject (2.9 and 2.10; 2.15
 * refuses such a JWT instead). Only its account info (ACCOUNTZ) shows what it runs, in its own
 * form: per cluster, destinations sorted with cumulative weights (70/30 is "v2 30, v1 100"),
 * and the share left untouched listed as the source subject itself.
 */
import { type MappingDestination, type Mappings, destinationWeight as weightOf } from './routes.js'

/** One destination with its own share of the traffic (percent). */
export interface Share {
  subject: string
  weight: number
  cluster?: string
}

/** One subject a server runs differently from the JWT. */
export interface InstalledDifference {
  subject: string
  /** The JWT's destinations (null: the JWT has no mapping for it). */
  jwt: Share[] | null
  /** What the server runs (null: no mapping). */
  runs: Share[] | null
}

/** A server's installed destinations as shares: the differences of its cumulative weights, per cluster. */
export function installedShares(dests: MappingDestination[]): Share[] {
  const byCluster = new Map<string, MappingDestination[]>()
  for (const d of dests) byCluster.set(d.cluster ?? '', [...(byCluster.get(d.cluster ?? '') ?? []), d])
  const out: Share[] = []
  for (const [cluster, list] of byCluster) {
    let previous = 0
    for (const d of [...list].sort((a, b) => weightOf(a) - weightOf(b))) {
      out.push({ subject: d.subject, weight: weightOf(d) - previous, ...(cluster ? { cluster } : {}) })
      previous = weightOf(d)
    }
  }
  return out
}

/**
 * Every subject whose installed mapping is not the JWT's. The source listed as a destination
 * by the server is the untouched remainder, unless the JWT lists the source itself.
 */
export function installedDifferences(
  jwt: Mappings | undefined,
  installed: Mappings | undefined,
): InstalledDifference[] {
  const out: InstalledDifference[] = []
  const subjects = [...new Set([...Object.keys(jwt ?? {}), ...Object.keys(installed ?? {})])].sort()
  for (const subject of subjects) {
    const written = jwt?.[subject]
    const listsSource = written?.some((d) => d.subject === subject) ?? false
    const wanted = written
      ? written.map((d) => ({ subject: d.subject, weight: weightOf(d), ...(d.cluster ? { cluster: d.cluster } : {}) }))
      : null
    const raw = installed?.[subject]
    const runs = raw ? installedShares(raw).filter((s) => listsSource || s.subject !== subject) : null
    if (!sameShares(wanted ?? [], runs ?? []))
      out.push({ subject, jwt: wanted, runs: runs && runs.length > 0 ? runs : null })
  }
  return out
}

function sameShares(a: Share[], b: Share[]): boolean {
  const key = (s: Share) => JSON.stringify([s.cluster ?? '', s.subject, s.weight])
  const sorted = (x: Share[]) => x.map(key).sort()
  const [x, y] = [sorted(a), sorted(b)]
  return x.length === y.length && x.every((k, i) => k === y[i])
}

/** "a.b.v2 30%, a.b.v1 70% @west", or "no mapping". */
export function describeShares(shares: Share[] | null): string {
  if (!shares || shares.length === 0) return 'no mapping'
  return shares.map((s) => `${s.subject} ${s.weight}%${s.cluster ? ` @${s.cluster}` : ''}`).join(', ')
}

/** "a.b: the JWT says ...; runs ..." for one subject. */
export function describeDifference(d: InstalledDifference): string {
  return `${d.subject}: the JWT says ${describeShares(d.jwt)}, it runs ${describeShares(d.runs)}`
}
