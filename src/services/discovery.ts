/**
 * The services of an account, as their instances announce themselves on $SRV.INFO (every
 * instance answers; application-account creds): per name, each version with its instances and
 * endpoint subjects, and which subjects several versions serve. Such a subject cannot be steered:
 * versions in one queue group get a random mix of its calls, in different queue groups a copy
 * each. Versions on distinct subjects can be weighted by a mapping.
 */
import type { Connection } from '../resolver/connection.js'
import { gather } from '../resolver/servers.js'
import { type ServiceEndpoint, parseInfo } from './srv-protocol.js'

export interface ServiceVersion {
  version: string
  /** Instance ids, sorted. */
  instances: string[]
  /** Every endpoint any instance of the version announces, by name then subject. */
  endpoints: ServiceEndpoint[]
}

export interface DiscoveredService {
  name: string
  /** Oldest version first (semver order). */
  versions: ServiceVersion[]
  /** Subjects served by more than one version, with those versions. */
  shared: { subject: string; versions: string[] }[]
}

export interface Discovery {
  services: DiscoveredService[]
  /** Answers that were not a service's (what was wrong with each), left out. */
  refused: string[]
}

/** How long to wait for more answers after the last one (instances answer within milliseconds). */
export const SRV_QUIET_MS = 150
/** The quiet period of a second, patient look (a busy machine can delay an answer). */
export const PATIENT_QUIET_MS = 1000

export async function discoverServices(conn: Connection, name?: string, quietMs = SRV_QUIET_MS): Promise<Discovery> {
  const answers = await gather(conn, name ? `$SRV.INFO.${name}` : '$SRV.INFO', '', {
    quietMs,
    noResponders: 'empty',
  })
  const refused: string[] = []
  const byName = new Map<string, Map<string, ServiceVersion>>()
  const seen = new Set<string>()
  for (const raw of answers) {
    const info = parseInfo(raw)
    if ('problem' in info) {
      refused.push(info.problem)
      continue
    }
    if (seen.has(info.id)) continue // the same instance heard twice (a reply over two routes)
    seen.add(info.id)
    const versions = byName.get(info.name) ?? new Map<string, ServiceVersion>()
    byName.set(info.name, versions)
    const v = versions.get(info.version) ?? { version: info.version, instances: [], endpoints: [] }
    versions.set(info.version, v)
    v.instances.push(info.id)
    for (const e of info.endpoints)
      if (!v.endpoints.some((x) => x.name === e.name && x.subject === e.subject && x.queueGroup === e.queueGroup))
        v.endpoints.push(e)
  }
  const services = [...byName].map(([n, versions]) => {
    const list = [...versions.values()].sort((a, b) => compareVersions(a.version, b.version))
    for (const v of list) {
      v.instances.sort()
      v.endpoints.sort((a, b) => a.name.localeCompare(b.name) || a.subject.localeCompare(b.subject))
    }
    return { name: n, versions: list, shared: sharedSubjects(list) }
  })
  return { services: services.sort((a, b) => a.name.localeCompare(b.name)), refused }
}

function sharedSubjects(versions: ServiceVersion[]): { subject: string; versions: string[] }[] {
  const bySubject = new Map<string, Set<string>>()
  for (const v of versions)
    for (const e of v.endpoints) bySubject.set(e.subject, (bySubject.get(e.subject) ?? new Set()).add(v.version))
  return [...bySubject]
    .filter(([, vs]) => vs.size > 1)
    .map(([subject, vs]) => ({ subject, versions: versions.map((v) => v.version).filter((v) => vs.has(v)) }))
    .sort((a, b) => a.subject.localeCompare(b.subject))
}

/** Semantic version order (pre-releases before their release), enough to list versions. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => {
    const [core, pre] = v.split('+')[0].split(/-(.*)/s)
    return { core: core.split('.').map(Number), pre }
  }
  const [x, y] = [parts(a), parts(b)]
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return (x.core[i] ?? 0) - (y.core[i] ?? 0)
  if (x.pre === y.pre) return 0
  if (x.pre === undefined) return 1
  if (y.pre === undefined) return -1
  return x.pre.localeCompare(y.pre, 'en', { numeric: true })
}
