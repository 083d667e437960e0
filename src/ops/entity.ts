/** Naming an entity on the command line: checked before anything is contacted. */
import { LatticeError } from '../errors.js'
import { DEFAULT_LINK, type EntityRef, entityIdProblem, normalizeVersion, routeTokenProblem, versionProblem } from '../subjects/index.js'

/** Throws INVALID_ACTOR_ID / INVALID_PROVIDER_ID / INVALID_TOKEN for a bad ID or link. */
export function checkEntity(entity: EntityRef): EntityRef {
  const idProblem = entityIdProblem(entity.kind, entity.id)
  if (idProblem) {
    const what = entity.kind === 'actor' ? 'an actor ID (module key, M...)' : 'a provider ID (service key, V...)'
    throw new LatticeError(entity.kind === 'actor' ? 'INVALID_ACTOR_ID' : 'INVALID_PROVIDER_ID', `"${entity.id}" is not ${what}: ${idProblem}.`, {
      hint: `Copy the ${entity.kind}'s public key from its claims (e.g. \`wash inspect\`).`,
    })
  }
  if (entity.kind === 'provider') {
    const linkProblem = routeTokenProblem(entity.link ?? '')
    if (linkProblem) throw new LatticeError('INVALID_TOKEN', `Invalid link name "${entity.link}": ${linkProblem}.`, { hint: 'A link name is one NATS subject token, e.g. "default" (see docs/specs.md, Names).' })
  }
  return entity
}

/** An actor (M...) or provider (V...) named by its key alone. */
export function entityFromId(id: string, link = DEFAULT_LINK): EntityRef {
  return checkEntity(id.startsWith('V') ? { kind: 'provider', id, link } : { kind: 'actor', id })
}

/** The version in NFC (see versionToken); throws INVALID_VERSION naming the flag. */
export function checkVersion(flag: string, version: string): string {
  const problem = versionProblem(version)
  if (problem) throw new LatticeError('INVALID_VERSION', `Invalid version ${flag} "${version}": ${problem}.`, { hint: 'A version is 1 to 128 bytes with no whitespace, e.g. 1.2.0 or v2.' })
  return normalizeVersion(version)
}
