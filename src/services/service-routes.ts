/**
 * A service's routes: one per endpoint of its stable version, each endpoint's caller subject
 * mapped to the subject the same endpoint has in every version (matched by endpoint name).
 * Built from what the instances announce ($SRV.INFO) and what lattice remembers (versions no
 * longer running, the caller subjects after a promotion); every subject is checked first.
 */
import { LatticeError } from '../errors.js'
import { type EntityRef, type ServiceSubjects, quoted, serviceSubjectProblem } from '../subjects/index.js'
import type { DiscoveredService } from './discovery.js'

export interface ServiceRouteRequest {
  /** The version that gets traffic (must be running when it is to get some). */
  to: string
  from?: string
  /** The share `to` is to get: a version going to 0% need not be running. */
  weight: number
}

/**
 * Each endpoint's route entity for a shift of `request`. `known` is what lattice remembers of
 * the service's endpoints (undefined when it has never routed it: then --from names the
 * version whose subjects callers call). Throws a LatticeError naming what is missing.
 */
export function serviceRoutes(
  name: string,
  request: ServiceRouteRequest,
  discovered: DiscoveredService | undefined,
  known: Record<string, ServiceSubjects> | undefined,
): EntityRef[] {
  const { to, from } = request
  const live = new Map((discovered?.versions ?? []).map((v) => [v.version, v.endpoints]))
  const running = [...live.keys()]
  const versionsNote = running.length
    ? `running: ${running.join(', ')}`
    : `no instance of ${quoted(name)} answered on $SRV.INFO`
  const callers = known && Object.keys(known).length ? known : firstCallers(name, request, live, versionsNote)

  if (request.weight > 0 && !live.has(to) && !Object.values(callers).every((s) => s.versions[to] !== undefined))
    throw new LatticeError('VERSION_NOT_READY', `Service ${name} ${to} is not running (${versionsNote}).`, {
      hint: `Start instances of ${name} ${to} with its endpoints on subjects of their own (docs/services.md, "Deploying a new version"), then shift again. Nothing was changed.`,
    })
  if (from !== undefined && !live.has(from) && !Object.values(callers).some((s) => s.versions[from] !== undefined))
    throw new LatticeError('VERSION_NOT_READY', `Service ${name} ${from} (--from) is not running (${versionsNote}).`, {
      hint: 'Name a running version with --from. Nothing was changed.',
    })

  const missing: { endpoint: string; caller: string }[] = []
  const entities: EntityRef[] = []
  for (const [endpoint, remembered] of Object.entries(callers).sort(([a], [b]) => a.localeCompare(b))) {
    const versions: Record<string, string> = { ...remembered.versions }
    for (const [version, endpoints] of live) {
      const own = endpoints.filter((e) => e.name === endpoint)
      if (own.length === 1) versions[version] = own[0].subject
      else if (own.length > 1)
        throw new LatticeError(
          'NOT_STEERABLE',
          `Service ${name} ${version} has ${own.length} endpoints named ${quoted(endpoint)} (${own.map((e) => e.subject).join(', ')}): lattice matches endpoints across versions by name.`,
          { hint: 'Give each endpoint of the service its own name. Nothing was changed.' },
        )
      else delete versions[version] // running without it: what was remembered is stale
    }
    if (request.weight > 0 && live.has(to) && versions[to] === undefined) {
      missing.push({ endpoint, caller: remembered.caller })
      continue
    }
    for (const subject of [remembered.caller, ...Object.values(versions)]) {
      const problem = serviceSubjectProblem(subject)
      if (problem)
        throw new LatticeError(
          'UNSAFE_SUBJECT',
          `Service ${name}, endpoint ${quoted(endpoint)}: lattice will not map ${quoted(subject)}: ${problem}.`,
          { hint: 'Serve the endpoint on a literal subject of its own (docs/services.md). Nothing was changed.' },
        )
    }
    const shared = sharedBy(versions, running)
    if (shared)
      throw new LatticeError(
        'NOT_STEERABLE',
        `Service ${name}: versions ${shared.versions.join(' and ')} both serve endpoint ${quoted(endpoint)} on ${shared.subject}, so no mapping can tell them apart.`,
        {
          hint: `Deploy the new version with its endpoints on subjects of their own, e.g. under the group ${groupFor(to)} (docs/services.md). Nothing was changed.`,
        },
      )
    entities.push({ kind: 'service', id: name, endpoint, subjects: { caller: remembered.caller, versions } })
  }
  if (missing.length)
    throw new LatticeError(
      'MISSING_ENDPOINTS',
      `Service ${name} ${to} has no endpoint ${missing.map((m) => `${m.endpoint} (called on ${m.caller})`).join(', ')}: every endpoint callers call needs a counterpart of the same name in the new version.`,
      {
        hint: `Add ${missing.length === 1 ? 'that endpoint' : 'those endpoints'} to ${name} ${to} (under its own subject, e.g. the group ${groupFor(to)}), or keep the old version. Nothing was changed.`,
        details: { missing: missing.map((m) => m.endpoint) },
      },
    )
  return entities
}

/** The group prefix docs/services.md suggests for a version: "1.1.0" -> "v1_1_0". */
export function groupFor(version: string): string {
  return `v${version.replace(/\./g, '_')}`
}

/** A first shift: the callers call --from's subjects. */
function firstCallers(
  name: string,
  request: ServiceRouteRequest,
  live: Map<string, { name: string; subject: string }[]>,
  versionsNote: string,
): Record<string, ServiceSubjects> {
  const { from } = request
  if (from === undefined)
    throw new LatticeError(
      'INVALID_SHIFT',
      `lattice has not routed service ${name} yet: name the version callers call now with --from.`,
      {
        hint: `e.g. --from ${[...live.keys()][0] ?? '1.0.0'} (${versionsNote}). Nothing was changed.`,
      },
    )
  const endpoints = live.get(from)
  if (!endpoints)
    throw new LatticeError('VERSION_NOT_READY', `Service ${name} ${from} (--from) is not running (${versionsNote}).`, {
      hint: 'Name the running version whose subjects callers call with --from. Nothing was changed.',
    })
  if (endpoints.length === 0)
    throw new LatticeError(
      'MISSING_ENDPOINTS',
      `Service ${name} ${from} announces no endpoints: there is nothing to route.`,
      {
        hint: 'Only request/reply endpoints can be steered. Nothing was changed.',
      },
    )
  return Object.fromEntries(endpoints.map((e) => [e.name, { caller: e.subject, versions: { [from]: e.subject } }]))
}

/**
 * Drops remembered versions whose subject a running version now serves (they are gone), and
 * returns two running versions on one subject, if any.
 */
function sharedBy(
  versions: Record<string, string>,
  running: string[],
): { subject: string; versions: string[] } | undefined {
  const runningOn = (subject: string) => running.filter((v) => versions[v] === subject)
  for (const v of Object.keys(versions))
    if (!running.includes(v) && runningOn(versions[v]).length > 0) delete versions[v]
  for (const subject of new Set(Object.values(versions))) {
    const on = runningOn(subject)
    if (on.length > 1) return { subject, versions: on }
  }
  return undefined
}
