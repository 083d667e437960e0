/**
 * Subject names of versioned RPC (DESIGN.md section 2). The one place they are built and parsed.
 *   actor:    wasmbus.rpc.{lattice}.{actor-pk}[.{vtoken}]
 *   provider: wasmbus.rpc.{lattice}.{provider-pk}.{link}[.{vtoken}]
 */
import { publicKeyProblem } from './entity-keys.js'
import { versionToken } from './version-token.js'

export type EntityKind = 'actor' | 'provider'

export interface EntityRef {
  kind: EntityKind
  id: string
  /** Link name; providers only. */
  link?: string
}

export const DEFAULT_LATTICE = 'default'
export const DEFAULT_LINK = 'default'

/** Why `name` is not a single NATS subject token, or undefined when it is. */
export function tokenProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.includes('.')) return 'it contains "." (a subject token separator)'
  if (/[*>]/.test(name)) return 'it contains a wildcard ("*" or ">")'
  if (/\s/u.test(name)) return 'it contains whitespace'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/u.test(name)) return 'it contains control characters'
  return undefined
}

/** Why `id` is not a valid ID for `kind`, or undefined when it is. */
export function entityIdProblem(kind: EntityKind, id: string): string | undefined {
  return publicKeyProblem(id, kind === 'actor' ? 'module' : 'service')
}

export function rpcPrefix(lattice: string): string {
  return `wasmbus.rpc.${lattice}.`
}

export function unversionedSubject(lattice: string, entity: EntityRef): string {
  const base = `${rpcPrefix(lattice)}${entity.id}`
  return entity.kind === 'provider' ? `${base}.${entity.link ?? DEFAULT_LINK}` : base
}

export function versionedSubject(lattice: string, entity: EntityRef, version: string): string {
  return `${unversionedSubject(lattice, entity)}.${versionToken(version)}`
}

/**
 * Where fault injection sends the dropped share: a subject nobody serves, so callers get
 * "no responders". Its last token has length 1 mod 4, which no version token can have.
 */
export const DROP_TOKEN = '_drop'

/** The entity an unversioned subject of `lattice` belongs to, or undefined if it is not one. */
export function parseUnversionedSubject(lattice: string, subject: string): EntityRef | undefined {
  const prefix = rpcPrefix(lattice)
  if (!subject.startsWith(prefix)) return undefined
  const rest = subject.slice(prefix.length).split('.')
  if (rest.length === 1 && rest[0].startsWith('M')) return { kind: 'actor', id: rest[0] }
  if (rest.length === 2 && rest[0].startsWith('V') && rest[1].length > 0) return { kind: 'provider', id: rest[0], link: rest[1] }
  return undefined
}

/** A stable key for maps and sorting: "actor M..." or "provider V... link". */
export function entityKey(entity: EntityRef): string {
  return entity.kind === 'provider' ? `provider ${entity.id} ${entity.link ?? DEFAULT_LINK}` : `actor ${entity.id}`
}

/** Human label: "actor MB…" or "provider VA… (link default)". */
export function entityLabel(entity: EntityRef): string {
  return entity.kind === 'provider' ? `provider ${entity.id} (link ${entity.link ?? DEFAULT_LINK})` : `actor ${entity.id}`
}
