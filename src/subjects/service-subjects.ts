/**
 * Subjects of NATS services (the services framework, ADR-32; docs/services.md). Unlike actors
 * and components, lattice does not name them: each version serves the subjects its code gives
 * it (read from $SRV.INFO), and callers keep calling the subjects of the version that served
 * them first. So a service is routed one endpoint at a time: the endpoint's caller subject is
 * the mapping's source, each version's own subject for that endpoint a destination, and what
 * lattice has seen is remembered (a catalogue in the state) so that a mapping can be read back
 * after the versions in it have stopped.
 */

/** The queue group the framework gives an endpoint unless told otherwise. */
export const DEFAULT_QUEUE_GROUP = 'q'

/** One endpoint of a service: where its callers publish and where each version listens. */
export interface ServiceSubjects {
  /** The subject callers call: the mapping's source. */
  caller: string
  /** version -> the subject that version's instances serve for this endpoint. */
  versions: Record<string, string>
}

/** What lattice remembers of the services it steered: service name -> endpoint name -> subjects. */
export type ServiceCatalogue = Record<string, Record<string, ServiceSubjects>>

/** A service name as the framework takes it (ADR-32): letters, digits, "_" and "-". */
export function serviceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > 128) return `it is ${name.length} characters long (at most 128)`
  return /^[A-Za-z0-9_-]+$/.test(name) ? undefined : 'a service name has only letters, digits, "_" and "-"'
}

/** A version as the framework announces it: a semantic version (ADR-32), e.g. 1.1.0 or 2.0.0-rc.1. */
export function isServiceVersion(version: string): boolean {
  return /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version) && version.length <= 128
}

/** What lattice remembers of service `name`, if anything (a name is never read off the prototype). */
export function knownService(
  catalogue: ServiceCatalogue | undefined,
  name: string,
): Record<string, ServiceSubjects> | undefined {
  return catalogue && Object.hasOwn(catalogue, name) ? catalogue[name] : undefined
}

/**
 * Why lattice will not map `subject` (an endpoint's caller subject or a version's subject), or
 * undefined. Refused: wildcards (a weighted wildcard destination needs a newer server and
 * {{wildcard(n)}} references), the server's and the framework's own subjects ($SRV, $SYS, $JS,
 * ...: a mapping of $SRV.PING is accepted and breaks discovery), reply inboxes, and subjects
 * lattice reads as its own (versioned RPC, drop subjects).
 */
export function serviceSubjectProblem(subject: string): string | undefined {
  const tokens = subject.split('.')
  if (subject.length === 0 || tokens.some((t) => t === '')) return 'it has an empty token'
  if (tokens.some((t) => t === '*' || t === '>')) return 'it has a wildcard (lattice maps literal endpoint subjects)'
  if (/[\s\u0000-\u001f\u007f]/u.test(subject)) return 'it contains whitespace or control characters'
  if (subject.startsWith('$')) return 'it is a system subject ($...): mapping it would break the server or discovery'
  if (tokens[0] === '_INBOX') return 'it is a reply inbox'
  if (subject.startsWith('wasmbus.rpc.')) return "it is under wasmbus.rpc. (lattice's versioned RPC)"
  if (tokens[tokens.length - 1] === '_drop') return 'it ends in "_drop" (lattice\'s fault-injection subjects)'
  return undefined
}

/**
 * The catalogue as read from the state, checked: anyone with the state's creds can write there,
 * and its subjects become mapping destinations. An entry with a bad name, version or subject is
 * left out (its mapping then reads as another tool's: shown, never edited).
 */
export function checkedCatalogue(raw: unknown): ServiceCatalogue | undefined {
  if (!isObject(raw)) return undefined
  // Built with fromEntries: a key such as "__proto__" stays a plain key.
  const services = Object.entries(raw).flatMap(([name, endpoints]) => {
    if (serviceNameProblem(name) || !isObject(endpoints)) return []
    const sound = Object.entries(endpoints).flatMap(([endpoint, s]) => {
      if (endpoint.length > 256 || !isObject(s) || typeof s.caller !== 'string' || serviceSubjectProblem(s.caller))
        return []
      if (!isObject(s.versions)) return []
      const versions = Object.entries(s.versions).filter(
        (e): e is [string, string] =>
          isServiceVersion(e[0]) && typeof e[1] === 'string' && !serviceSubjectProblem(e[1]),
      )
      return [[endpoint, { caller: s.caller, versions: Object.fromEntries(versions) }] as const]
    })
    return sound.length ? [[name, Object.fromEntries(sound)] as const] : []
  })
  return services.length ? Object.fromEntries(services) : undefined
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/**
 * `catalogue` with the endpoints of the services among `changes` as they were routed (each
 * change's entity carries its endpoint's subjects); undefined when there is no service at all.
 */
export function rememberServices(
  catalogue: ServiceCatalogue | undefined,
  changes: { entity: { kind: string; id: string; endpoint?: string; subjects?: ServiceSubjects } }[],
): ServiceCatalogue | undefined {
  let next = catalogue
  for (const { entity } of changes) {
    if (entity.kind !== 'service' || entity.endpoint === undefined || !entity.subjects) continue
    const { caller, versions } = entity.subjects
    next = { ...next, [entity.id]: { ...next?.[entity.id], [entity.endpoint]: { caller, versions: { ...versions } } } }
  }
  return next
}

/** The version whose subject is `subject`, or undefined (none, or several: a subject two versions share). */
export function serviceVersionOf(subjects: ServiceSubjects, subject: string): string | undefined {
  const versions = Object.keys(subjects.versions).filter((v) => subjects.versions[v] === subject)
  return versions.length === 1 ? versions[0] : undefined
}
