/**
 * Subject names lattice routes (docs/host-protocol.md, section 3; docs/wasmcloud.md). The one
 * place they are built and parsed. Two schemes:
 *   versioned RPC (host-core):
 *     actor:    wasmbus.rpc.{lattice}.{actor-pk}[.{vtoken}]
 *     provider: wasmbus.rpc.{lattice}.{provider-pk}.{link}[.{vtoken}]
 *   wRPC (unmodified wasmCloud 1.x hosts): a component's versions are other component IDs.
 *     component source:  {lattice}.{id}.wrpc.>
 *     version V:         {lattice}.{V}.wrpc.>   (V may be the id itself)
 *     drop:              {lattice}.{id}._drop.>
 *     calls:             {lattice}.{V}.wrpc.{protocol}.{ns}:{pkg}/{iface}@{ver}.{function}, queue group {lattice}.{V}
 *   NATS services (service-subjects.ts): one route per endpoint, with the subjects its versions
 *   announce; no lattice in them.
 */
import { publicKeyProblem } from './entity-keys.js'
import { type ServiceSubjects, serviceNameProblem, serviceVersionOf } from './service-subjects.js'
import { versionFromToken, versionToken } from './version-token.js'

export type EntityKind = 'actor' | 'provider' | 'component' | 'service'

/** The third token of every wRPC subject of wasmCloud 1.x. */
export const WRPC_TOKEN = 'wrpc'

/** The kinds whose subjects lattice names from their IDs (wasmCloud's). */
export type WasmKind = Exclude<EntityKind, 'service'>
export type WasmEntityRef = EntityRef & { kind: WasmKind }

export interface EntityRef {
  kind: EntityKind
  id: string
  /** Link name; providers only. */
  link?: string
  /** Endpoint name; a service's route (one per endpoint). */
  endpoint?: string
  /** The endpoint's caller subject and each version's subject; a service's route. */
  subjects?: ServiceSubjects
}

export const DEFAULT_LATTICE = 'default'
export const DEFAULT_LINK = 'default'

/**
 * Why `name` is not a single literal NATS subject token, or undefined when it is. nats-server
 * takes any non-empty token without ".", ASCII whitespace (" \t\n\f\r") or NUL, and treats "*"
 * and ">" as wildcards only as a whole token ("a*b" is a literal). Lattice is deliberately
 * stricter on two points: no whitespace of any kind and no control characters, which are
 * invisible in output and logs.
 */
export function tokenProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.includes('.')) return 'it contains "." (a subject token separator)'
  if (name === '*' || name === '>') return `it is the wildcard "${name}" ("*" or ">" inside a longer name is fine)`
  return textProblem(name, 'NATS subjects')
}

/**
 * Why `name` cannot be a token of lattice's mapping destinations (a lattice or link name).
 * Besides tokenProblem: nats-server reads a destination token "{{...}}" as a mapping function
 * and "$<number>" as a wildcard reference; it would then refuse the mapping (2.15) or answer
 * "jwt updated" and not install it (2.9, 2.10).
 */
export function routeTokenProblem(name: string): string | undefined {
  const problem = tokenProblem(name)
  if (problem) return problem
  if (name.length > 4 && name.startsWith('{{') && name.endsWith('}}'))
    return 'nats-server reads a token "{{...}}" in a mapping destination as a mapping function'
  if (/^\$[+-]?\d+$/.test(name)) return `nats-server reads "${name}" in a mapping destination as a wildcard reference`
  return undefined
}

/**
 * Why `name` is not a cluster name lattice can use, or undefined. nats-server refuses only
 * spaces in a cluster name (so "eu.west" is fine: it is never part of a subject); lattice also
 * refuses other whitespace and control characters, deliberately, as for tokens.
 */
export function clusterNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  return textProblem(name, 'nats-server cluster names')
}

/** A name as an error quotes it: cut to its first 60 characters, so that a refused 5 MB name is not printed whole. */
export function quoted(text: string): string {
  return text.length > 60 ? `"${text.slice(0, 60)}…" (${text.length} characters)` : `"${text}"`
}

/** The longest lattice, link, cluster or component name lattice takes (a subject stays readable, a plan printable). */
export const MAX_NAME_BYTES = 128

/** Whitespace, control characters, broken Unicode and length; `what` names where the server refuses them. */
function textProblem(name: string, what: string): string | undefined {
  const bytes = Buffer.byteLength(name)
  if (bytes > MAX_NAME_BYTES) return `it is ${bytes} bytes long (lattice takes at most ${MAX_NAME_BYTES})`
  if (/[ \t\n\f\r]/.test(name)) return `it contains whitespace (${what} cannot)`
  if (/\s/u.test(name))
    return 'it contains whitespace (lattice refuses every kind, so that names read the same everywhere)'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(name))
    return 'it contains control characters (lattice refuses them: they are invisible in output)'
  if (/[\uD800-\uDFFF]/u.test(name)) return 'it is not valid Unicode (a lone surrogate)'
  return undefined
}

/** Why `id` is not a valid ID for `kind`, or undefined when it is. */
export function entityIdProblem(kind: EntityKind, id: string): string | undefined {
  if (kind === 'component') return routeTokenProblem(id)
  if (kind === 'service') return serviceNameProblem(id)
  return publicKeyProblem(id, kind === 'actor' ? 'module' : 'service')
}

export type EntityScheme = 'wRPC' | 'versioned RPC' | 'NATS services'

/** The routing scheme of an entity: wRPC (component IDs), the services framework, or lattice's versioned RPC. */
export function entityScheme(kind: EntityKind): EntityScheme {
  if (kind === 'service') return 'NATS services'
  return kind === 'component' ? 'wRPC' : 'versioned RPC'
}

/** A service route's subjects; a route built without them is a bug. */
function serviceSubjects(entity: EntityRef): ServiceSubjects {
  if (!entity.subjects) throw new Error(`${entityKey(entity)} has no subjects`)
  return entity.subjects
}

export function rpcPrefix(lattice: string): string {
  return `wasmbus.rpc.${lattice}.`
}

export function unversionedSubject(lattice: string, entity: EntityRef): string {
  if (entity.kind === 'service') return serviceSubjects(entity).caller
  if (entity.kind === 'component') return componentSubject(lattice, entity.id)
  const base = `${rpcPrefix(lattice)}${entity.id}`
  return entity.kind === 'provider' ? `${base}.${entity.link ?? DEFAULT_LINK}` : base
}

/** What one component ID's calls match: `{lattice}.{id}.wrpc.>`. */
export function componentSubject(lattice: string, id: string): string {
  return `${lattice}.${id}.${WRPC_TOKEN}.>`
}

/** The destination of `version`; for a component, the version is a component ID. */
export function versionedSubject(lattice: string, entity: EntityRef, version: string): string {
  if (entity.kind === 'service') {
    const { versions } = serviceSubjects(entity)
    const subject = Object.hasOwn(versions, version) ? versions[version] : undefined
    if (subject === undefined) throw new Error(`${entityKey(entity)} has no subject for version ${version}`)
    return subject
  }
  if (entity.kind === 'component') return componentSubject(lattice, version)
  return `${unversionedSubject(lattice, entity)}.${versionToken(version)}`
}

/**
 * Where fault injection sends the dropped share: a subject nobody serves, so callers get
 * "no responders". Its last token has length 1 mod 4, which no version token can have.
 */
export const DROP_TOKEN = '_drop'

/**
 * The drop subject of `entity`: `<source>._drop`; for a component `{lattice}.{id}._drop.>` (a
 * `>` source needs a `>` destination; no wasmCloud subject has `_drop` as its third token).
 */
export function dropSubject(lattice: string, entity: EntityRef): string {
  if (entity.kind === 'component') return `${lattice}.${entity.id}.${DROP_TOKEN}.>`
  if (entity.kind === 'service') return `${serviceSubjects(entity).caller}.${DROP_TOKEN}`
  return `${unversionedSubject(lattice, entity)}.${DROP_TOKEN}`
}

/** The version a mapping destination of `entity`'s route names, or undefined when it names none. */
export function versionOfDestination(lattice: string, entity: EntityRef, subject: string): string | undefined {
  if (entity.kind === 'service') return serviceVersionOf(serviceSubjects(entity), subject)
  if (entity.kind === 'component') return componentOfSubject(lattice, subject)
  const source = unversionedSubject(lattice, entity)
  return subject.startsWith(`${source}.`) ? versionFromToken(subject.slice(source.length + 1)) : undefined
}

/**
 * Whether a subscription on `subject` serves `version` of `entity`: the versioned subject for
 * actors and providers; for a component, any wRPC subject of that component ID (a host
 * subscribes each function it exports: `{lattice}.{V}.wrpc.{...}`).
 */
export function servesVersion(lattice: string, entity: EntityRef, version: string, subject: string): boolean {
  if (entity.kind === 'service')
    return (
      !!entity.subjects &&
      Object.hasOwn(entity.subjects.versions, version) &&
      entity.subjects.versions[version] === subject
    )
  if (entity.kind === 'component')
    return subject.startsWith(`${lattice}.${version}.${WRPC_TOKEN}.`) && subject !== componentSubject(lattice, version)
  return subject === versionedSubject(lattice, entity, version)
}

/** The queue group the instances serving `version` of `entity` join (a service's: any, each endpoint names its own). */
export function versionQueueGroup(lattice: string, entity: EntityRef, version: string): string | undefined {
  if (entity.kind === 'service') return undefined
  if (entity.kind === 'component') return `${lattice}.${version}`
  return entity.kind === 'provider' ? `${entity.id}.${entity.link ?? DEFAULT_LINK}` : entity.id
}

/** The component ID of exactly `{lattice}.{id}.wrpc.>` (a component's source, or a version's destination), or undefined. */
function componentOfSubject(lattice: string, subject: string): string | undefined {
  const rest = subject.startsWith(`${lattice}.`) ? subject.slice(lattice.length + 1).split('.') : []
  return rest.length === 3 && rest[1] === WRPC_TOKEN && rest[2] === '>' && !routeTokenProblem(rest[0])
    ? rest[0]
    : undefined
}

/**
 * The component ID a wasmCloud host's wRPC subscription serves (`{lattice}.{id}.wrpc.` and at
 * least one more token), or undefined.
 */
export function parseComponentCall(lattice: string, subject: string): string | undefined {
  if (!subject.startsWith(`${lattice}.`)) return undefined
  const rest = subject.slice(lattice.length + 1).split('.')
  return rest.length >= 3 && rest[1] === WRPC_TOKEN && rest[2] !== '>' && !routeTokenProblem(rest[0])
    ? rest[0]
    : undefined
}

/** The entity an unversioned subject of `lattice` belongs to, or undefined if it is not one. */
export function parseUnversionedSubject(lattice: string, subject: string): WasmEntityRef | undefined {
  const component = componentOfSubject(lattice, subject)
  if (component !== undefined) return { kind: 'component', id: component }
  const prefix = rpcPrefix(lattice)
  if (!subject.startsWith(prefix)) return undefined
  const rest = subject.slice(prefix.length).split('.')
  if (rest.length === 1 && rest[0].startsWith('M')) return { kind: 'actor', id: rest[0] }
  if (rest.length === 2 && rest[0].startsWith('V') && rest[1].length > 0)
    return { kind: 'provider', id: rest[0], link: rest[1] }
  return undefined
}

/**
 * The entity and version of a versioned subject of `lattice` (what host-core instances
 * subscribe to besides the unversioned one), or undefined if it is not one.
 */
export function parseVersionedSubject(
  lattice: string,
  subject: string,
): { entity: WasmEntityRef; version: string } | undefined {
  const cut = subject.lastIndexOf('.')
  if (cut < 0) return undefined
  const entity = parseUnversionedSubject(lattice, subject.slice(0, cut))
  const version = versionFromToken(subject.slice(cut + 1))
  if (!entity || entity.kind === 'component' || version === undefined || entityIdProblem(entity.kind, entity.id))
    return undefined
  return { entity, version }
}

/** A stable key for maps and sorting: "actor M..." or "provider V... link". */
export function entityKey(entity: EntityRef): string {
  if (entity.kind === 'service') return `service ${entity.id} ${entity.endpoint ?? ''}`.trimEnd()
  if (entity.kind === 'component') return `component ${entity.id}`
  return entity.kind === 'provider' ? `provider ${entity.id} ${entity.link ?? DEFAULT_LINK}` : `actor ${entity.id}`
}

/**
 * The key of what a rollout (or anything else done to the whole entity) is kept under: a
 * service's, for each of its endpoints' routes; the entity's own for the other kinds.
 */
export function ownerKey(entity: EntityRef): string {
  return entity.kind === 'service' ? `service ${entity.id}` : entityKey(entity)
}

/** Human label: "actor MB…" or "provider VA… (link default)". */
export function entityLabel(entity: EntityRef): string {
  if (entity.kind === 'service') return `service ${entity.id}${entity.endpoint ? ` (endpoint ${entity.endpoint})` : ''}`
  if (entity.kind === 'component') return `component ${entity.id}`
  return entity.kind === 'provider'
    ? `provider ${entity.id} (link ${entity.link ?? DEFAULT_LINK})`
    : `actor ${entity.id}`
}
