/**
 * An environment of a spec and its versioned subjects. Apart from ops/spec.ts, which changes
 * the live routing, so that `lattice env subjects` (which contacts nothing) loads no NATS client.
 */
import { LatticeError } from '../errors.js'
import { type EntityKind, versionedSubject } from '../subjects/index.js'
import type { Spec } from './parse.js'
import type { PinnedEntity } from './parse-environments.js'

/** The entities of environment `env`; UNKNOWN_ENVIRONMENT when the file has none by that name. */
export function requireEnvironment(spec: Spec, env: string): PinnedEntity[] {
  if (!Object.hasOwn(spec.environments, env)) {
    throw new LatticeError('UNKNOWN_ENVIRONMENT', `"${env}" is not an environment of ${spec.file}.`, {
      hint: `Environments: ${Object.keys(spec.environments).join(', ') || '(none)'}.`,
    })
  }
  return spec.environments[env]
}

export interface EnvSubject {
  kind: EntityKind
  id: string
  link?: string
  version: string
  /** Absent for a service: its versions serve the subjects their code gives them (`lattice status --app-creds` lists them). */
  subject?: string
}

/** The versioned subjects of an environment: where acceptance tests reach it directly. */
export function environmentSubjects(spec: Spec, env: string, lattice: string): EnvSubject[] {
  return requireEnvironment(spec, env).map((p) => ({
    kind: p.entity.kind,
    id: p.entity.id,
    ...(p.entity.link ? { link: p.entity.link } : {}),
    version: p.version,
    ...(p.entity.kind === 'service' ? {} : { subject: versionedSubject(lattice, p.entity, p.version) }),
  }))
}
