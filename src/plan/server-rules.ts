/**
 * What a nats-server version accepts in account mappings, checked before we push so that a
 * change is refused with our words instead of the resolver's (or, worse, half-applied).
 *   2.9.x (jwt v2.3.0): no wildcard tokens in destinations; every weight of a source,
 *     cluster-scoped or not, counts against one 100% total.
 *   2.10.0 and later: wildcard destinations are accepted.
 *   2.10.18 and later: each cluster has its own 100% total (unscoped ones form their own).
 *   Every version: one destination subject at most once per source, across all clusters; the
 *     servers answer "jwt updated" to a JWT that breaks this and install no mapping at all for
 *     that source (verified on 2.9.10).
 */
import { type Mappings, destinationWeight } from './routes.js'

export interface ServerRules {
  version: string
  wildcardDestinations: boolean
  perClusterTotals: boolean
}

type Semver = [number, number, number]

export function parseVersion(version: string): Semver | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim())
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

function atLeast(v: Semver, min: Semver): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i] > min[i]
  return true
}

/** The oldest of `versions` (unparseable ones ignored); the cluster must satisfy its rules. */
export function oldestVersion(versions: string[]): string | undefined {
  let oldest: { text: string; v: Semver } | undefined
  for (const text of versions) {
    const v = parseVersion(text)
    if (v && (!oldest || !atLeast(v, oldest.v))) oldest = { text, v }
  }
  return oldest?.text
}

/** Rules of `version`; an unknown version gets the strictest (2.9) rules. */
export function rulesFor(version: string | undefined): ServerRules {
  const v = version ? parseVersion(version) : undefined
  return {
    version: version ?? 'unknown',
    wildcardDestinations: v ? atLeast(v, [2, 10, 0]) : false,
    perClusterTotals: v ? atLeast(v, [2, 10, 18]) : false,
  }
}

/** Every problem the servers would have with these mappings, as sentences. */
export function mappingProblems(mappings: Mappings, rules: ServerRules): string[] {
  const problems: string[] = []
  for (const [source, dests] of Object.entries(mappings)) {
    if (!rules.wildcardDestinations) {
      for (const d of dests) {
        if (d.subject.split('.').some((t) => t === '*' || t === '>')) problems.push(`${source} -> ${d.subject}: nats-server ${rules.version} does not accept wildcards in mapping destinations`)
      }
    }
    const seen = new Map<string, string>()
    for (const d of dests) {
      const scope = d.cluster ? `cluster ${d.cluster}` : 'unscoped'
      const first = seen.get(d.subject)
      if (first) problems.push(`${source}: ${d.subject} is a destination twice (${first} and ${scope}); the servers would install no mapping for ${source} (each version can be given weight in one scope only)`)
      else seen.set(d.subject, scope)
    }
    const totals = new Map<string, number>()
    for (const d of dests) {
      const scope = rules.perClusterTotals ? (d.cluster ?? '') : ''
      totals.set(scope, (totals.get(scope) ?? 0) + destinationWeight(d))
    }
    for (const [scope, total] of totals) {
      if (total <= 100) continue
      const where = rules.perClusterTotals ? (scope ? ` in cluster ${scope}` : ' (unscoped)') : ''
      const why = rules.perClusterTotals ? '' : ` (nats-server ${rules.version} counts cluster-scoped and unscoped weights against one 100% total; 2.10.18 and later keep a total per cluster)`
      problems.push(`${source}: weights${where} add up to ${total}%, over 100%${why}`)
    }
  }
  return problems
}

/**
 * How many routes of the size we write fit in `maxPayload` bytes, given a JWT of `jwtBytes`
 * carrying `routes` of them and `otherBytes` of everything else.
 */
export function routesThatFit(maxPayload: number, jwtBytes: number, routes: number, otherBytes: number): number {
  if (routes === 0) return 0
  const perRoute = (jwtBytes - otherBytes) / routes
  return Math.max(0, Math.floor((maxPayload - otherBytes) / perRoute))
}
