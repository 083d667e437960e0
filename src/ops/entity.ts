/** Naming an entity on the command line: checked before anything is contacted. */
import { LatticeError } from '../errors.js'
import {
  DEFAULT_LINK,
  type EntityRef,
  entityIdProblem,
  isServiceVersion,
  normalizeVersion,
  routeTokenProblem,
  versionProblem,
  quoted,
} from '../subjects/index.js'

/** Throws INVALID_ACTOR_ID / INVALID_PROVIDER_ID / INVALID_COMPONENT_ID / INVALID_TOKEN for a bad ID or link. */
export function checkEntity(entity: EntityRef): EntityRef {
  if (entity.kind === 'component') {
    checkComponentId('The component', entity.id)
    return entity
  }
  if (entity.kind === 'service') {
    const problem = entityIdProblem('service', entity.id)
    if (problem)
      throw new LatticeError('INVALID_SERVICE_NAME', `${quoted(entity.id)} is not a service name: ${problem}.`, {
        hint: 'Name the service as its instances announce it (`lattice status --app-creds` lists them), e.g. calc.',
      })
    return entity
  }
  const idProblem = entityIdProblem(entity.kind, entity.id)
  if (idProblem) {
    const what = entity.kind === 'actor' ? 'an actor ID (module key, M...)' : 'a provider ID (service key, V...)'
    throw new LatticeError(
      entity.kind === 'actor' ? 'INVALID_ACTOR_ID' : 'INVALID_PROVIDER_ID',
      `"${entity.id}" is not ${what}: ${idProblem}.`,
      {
        hint: `Copy the ${entity.kind}'s public key from its claims (e.g. \`wash inspect\`); to try lattice out, \`lattice dev id ${entity.kind}\` prints a valid one.`,
      },
    )
  }
  if (entity.kind === 'provider') {
    const linkProblem = routeTokenProblem(entity.link ?? '')
    if (linkProblem)
      throw new LatticeError('INVALID_TOKEN', `Invalid link name ${quoted(entity.link ?? '')}: ${linkProblem}.`, {
        hint: 'A link name is one NATS subject token, e.g. "default" (see docs/specs.md, Names).',
      })
  }
  return entity
}

/**
 * An entity named by its ID alone: a valid module key (M...) is an actor, a valid service key
 * (V...) a provider; something that looks like a key (56 characters from M or V) but is broken
 * keeps the key's error; any other routable token is a wasmCloud component ID.
 */
export function entityFromId(id: string, link = DEFAULT_LINK): EntityRef {
  if (!entityIdProblem('actor', id)) return { kind: 'actor', id }
  if (!entityIdProblem('provider', id)) return checkEntity({ kind: 'provider', id, link })
  if (id.length === 56 && (id.startsWith('M') || id.startsWith('V')))
    return checkEntity(id.startsWith('V') ? { kind: 'provider', id, link } : { kind: 'actor', id })
  return checkEntity({ kind: 'component', id })
}

/** A component ID (also what a component's versions are); throws INVALID_COMPONENT_ID naming `what`. */
export function checkComponentId(what: string, id: string): string {
  const problem = routeTokenProblem(id)
  if (problem) {
    throw new LatticeError(
      'INVALID_COMPONENT_ID',
      `${what} "${id}" is not a component ID lattice can route: ${problem}.`,
      {
        hint: 'A component ID is one NATS subject token, as wasmCloud names it (e.g. hello, hello-v2, rust-hello-world-http_component); a version of a component is another component ID.',
      },
    )
  }
  return id
}

/** A version of `entity` from flag `flag`: a component ID for a component, else checkVersion. */
export function checkEntityVersion(entity: EntityRef, flag: string, version: string): string {
  if (entity.kind === 'service' && !isServiceVersion(version))
    throw new LatticeError(
      'INVALID_VERSION',
      `Invalid version ${flag} ${quoted(version)}: a service's version is a semantic version.`,
      {
        hint: 'Name it as the instances announce it (`lattice status --app-creds` lists them), e.g. 1.1.0.',
      },
    )
  return entity.kind === 'component'
    ? checkComponentId(`${flag} (a version of a component is a component ID)`, version)
    : checkVersion(flag, version)
}

/** The version in NFC (see versionToken); throws INVALID_VERSION naming the flag. */
export function checkVersion(flag: string, version: string): string {
  const problem = versionProblem(version)
  if (problem)
    throw new LatticeError('INVALID_VERSION', `Invalid version ${flag} ${quoted(version)}: ${problem}.`, {
      hint: 'A version is 1 to 128 bytes with no whitespace, e.g. 1.2.0 or v2.',
    })
  return normalizeVersion(version)
}
