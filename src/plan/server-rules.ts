/**
 * What a nats-server version does with account mappings, checked before we push so that a
 * change is refused with our words instead of the resolver's (or, worse, half-applied).
 * A JWT the server's jwt library finds invalid is REJECTED (push reply 500, the old JWT stays);
 * a mapping the server itself cannot build is NOT INSTALLED (reply 200 "jwt updated", the JWT
 * is stored, the server keeps its previous mapping for that source, if any).
 * Observed on 2.9.10, 2.10.27 and 2.15.1 (test/integration/server-rules.test.ts, per version):
 *   - weights of a source over 100% in total: rejected on every version.
 *   - "west 100% v1, east 100% v2": rejected on 2.9.10 (one 100% total for all scopes),
 *     installed on 2.10.27 and 2.15.1 (a total per cluster; unscoped ones form their own).
 *   - one destination subject twice for a source (e.g. unscoped and in a cluster), or an
 *     unknown {{function()}} in a destination: not installed on 2.9.10 and 2.10.27, rejected
 *     on 2.15.1 (which checks at push that it can build every mapping).
 *   - a `>` destination (with a `>` source): rejected on 2.9.10, installed on 2.10.27+.
 *   - a `*` destination: rejected on 2.9.10, not installed on 2.10.27, rejected on 2.15.1.
 *   - {{random(3)}} and {{left(1,2)}}: not installed on 2.9.10 and 2.10.27, installed on 2.15.1.
 * Boundaries read in the nats-server and jwt sources, between the versions observed:
 *   - wildcard tokens in destinations pass the JWT check from 2.9.22 (jwt v2.5.0); the server
 *     builds a `>` destination only for a source with `>` too, and never a `*` one.
 *   - per-cluster totals pass the JWT check from 2.10.18 (jwt v2.5.8; the server itself keeps
 *     them per cluster from 2.10.0).
 *   - {{random(n)}} from 2.12; {{left()}}/{{right()}} from 2.15 (2.15.0 not checked).
 *   - the push-time check of every mapping came with nats-server PR #8627 (after 2.14.5, in
 *     2.15.1; 2.15.0 not checked, taken to have it).
 */
import { LatticeError } from '../errors.js'
import { type EntityRef, entityLabel } from '../subjects/index.js'
import { type Mappings, destinationWeight } from './routes.js'

export interface ServerRules {
  version: string
  /** Wildcard tokens pass the JWT check (>= 2.9.22); before, the JWT is rejected. */
  wildcardDestinations: boolean
  perClusterTotals: boolean
  /** {{function()}} names the server knows (lower case). */
  functions: string[]
  /** Mappings the server could not build are rejected at push (500), not silently skipped (>= 2.15). */
  checksMappingsOnPush: boolean
}

/** What a server does with a mapping it has a problem with. */
export type ProblemEffect = 'rejected' | 'not installed'

export interface MappingProblem {
  source: string
  effect: ProblemEffect
  text: string
}

const BASE_FUNCTIONS = [
  'wildcard',
  'partition',
  'splitfromleft',
  'splitfromright',
  'slicefromleft',
  'slicefromright',
  'split',
]

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
    wildcardDestinations: v ? atLeast(v, [2, 9, 22]) : false,
    perClusterTotals: v ? atLeast(v, [2, 10, 18]) : false,
    checksMappingsOnPush: v ? atLeast(v, [2, 15, 0]) : false,
    functions: [
      ...BASE_FUNCTIONS,
      ...(v && atLeast(v, [2, 12, 0]) ? ['random'] : []),
      ...(v && atLeast(v, [2, 15, 0]) ? ['left', 'right'] : []),
    ],
  }
}

/** Every problem the servers would have with these mappings, as sentences. */
export function mappingProblems(mappings: Mappings, rules: ServerRules): string[] {
  return mappingIssues(mappings, rules).map((p) => p.text)
}

/** Every problem the servers would have with these mappings, and what they would do about it. */
export function mappingIssues(mappings: Mappings, rules: ServerRules): MappingProblem[] {
  const problems: MappingProblem[] = []
  const add = (source: string, effect: ProblemEffect, text: string) => problems.push({ source, effect, text })
  // What the servers do with a mapping they cannot build: skip it (keeping the old one), or, from
  // 2.15, refuse the whole JWT.
  const unbuildable = (source: string, text: string) =>
    rules.checksMappingsOnPush
      ? add(source, 'rejected', `${text}; nats-server ${rules.version} rejects the JWT`)
      : add(source, 'not installed', `${text}; the servers would install no mapping for ${source}`)
  for (const [source, dests] of Object.entries(mappings)) {
    const sourceFwc = source.split('.').at(-1) === '>'
    for (const d of dests) {
      const tokens = d.subject.split('.')
      const wildcards = tokens.filter((t) => t === '*' || t === '>')
      if (wildcards.length > 0 && !rules.wildcardDestinations)
        add(
          source,
          'rejected',
          `${source} -> ${d.subject}: nats-server ${rules.version} rejects a JWT with wildcards in mapping destinations (2.9.22 and later accept them)`,
        )
      else if (wildcards.includes('*'))
        unbuildable(
          source,
          `${source} -> ${d.subject}: nats-server cannot map to a destination with a * (use {{wildcard(n)}})`,
        )
      else if (wildcards.includes('>') && !sourceFwc)
        unbuildable(
          source,
          `${source} -> ${d.subject}: nats-server maps to a > destination only from a source ending in > too`,
        )
      for (const t of tokens) {
        const fn = /^\{\{\s*([A-Za-z]+)\s*\(.*\)\s*\}\}$/.exec(t)?.[1]?.toLowerCase()
        if (t.startsWith('{{') && (!fn || !rules.functions.includes(fn)))
          unbuildable(source, `${source} -> ${d.subject}: nats-server ${rules.version} knows no mapping function ${t}`)
      }
    }
    const seen = new Map<string, string>()
    for (const d of dests) {
      const scope = d.cluster ? `cluster ${d.cluster}` : 'unscoped'
      const first = seen.get(d.subject)
      if (first)
        unbuildable(
          source,
          `${source}: ${d.subject} is a destination twice (${first} and ${scope}; each version can be given weight in one scope only)`,
        )
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
      const why = rules.perClusterTotals
        ? ''
        : ` (nats-server ${rules.version} counts cluster-scoped and unscoped weights against one 100% total; 2.10.18 and later keep a total per cluster)`
      add(source, 'rejected', `${source}: weights${where} add up to ${total}%, over 100%${why}`)
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

/**
 * Component routes map `>` to `>` destinations, which servers before 2.9.22 reject: the refusal
 * for the entities a change writes mappings for, naming each server too old, or undefined.
 */
export function componentServersProblem(
  written: EntityRef[],
  servers: { name: string; version: string }[],
  rules: ServerRules,
): LatticeError | undefined {
  const component = written.find((e) => e.kind === 'component')
  if (!component || rules.wildcardDestinations) return undefined
  const old = servers.filter((s) => !rulesFor(s.version).wildcardDestinations)
  const named =
    old.length > 0
      ? old.map((s) => `server ${s.name} runs ${s.version}`).join(', ')
      : `the oldest server runs ${rules.version}`
  return new LatticeError(
    'SERVER_RULES',
    `Routing component IDs (wRPC subjects) needs nats-server 2.9.22 or newer; ${named}. Nothing was changed.`,
    {
      hint: `Upgrade ${old.length === 1 ? 'that server' : 'those servers'} to nats-server 2.9.22 or newer (e.g. 2.10.x): a route of ${entityLabel(component)} maps to ">" destinations, which older servers reject. Actors and providers (versioned RPC) work on older servers.`,
      details: { servers: old.map((s) => ({ server: s.name, version: s.version })), needs: '2.9.22' },
    },
  )
}
