/**
 * The environments of a spec (blue/green): each pins versions of actors, components,
 * providers and NATS services. Problems are reported through the parser's context.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml'
import { type EntityRef, entityKey } from '../subjects/index.js'
import { checkId, entries, providerRef, versionFor, versionOf } from './nodes.js'
import type { Ctx } from './nodes.js'

const ENV_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
const ENV_KEYS = ['actors', 'providers', 'components', 'services']
const PROVIDER_KEYS = ['id', 'link', 'version']

export interface PinnedEntity {
  entity: EntityRef
  version: string
}

/** The environments, and every entity any of them names (also those whose version is invalid). */
export function parseEnvironments(
  envs: Node | undefined,
  ctx: Ctx,
): { environments: Record<string, PinnedEntity[]>; named: Set<string> } {
  const environments = Object.create(null) as Record<string, PinnedEntity[]>
  const named = new Set<string>()
  if (!envs) return { environments, named }
  if (!isMap(envs)) ctx.at(envs, 'WRONG_TYPE', 'environments must be a mapping of environment name to its entities.')
  else {
    for (const pair of envs.items) {
      const keyNode = pair.key as Scalar
      const name = String(keyNode?.value)
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string' || !ENV_NAME.test(keyNode.value)) {
        ctx.at(
          keyNode,
          'INVALID_ENVIRONMENT',
          `Environment name ${keyNode?.source ?? name} is not a plain name.`,
          'Use letters, digits, "_" and "-", starting with a letter, e.g. blue.',
        )
        continue
      }
      const envNode = pair.value as Node | null
      const pinned: PinnedEntity[] = []
      const seen = new Set<string>()
      const pin = (entity: EntityRef, version: string | undefined, node: Node) => {
        named.add(entityKey(entity))
        if (version === undefined) return
        const key = entityKey(entity)
        if (seen.has(key))
          ctx.at(
            node,
            'DUPLICATE_ENTITY',
            `${entity.kind} ${entity.id}${entity.link ? ` (link ${entity.link})` : ''} appears twice in environment "${name}".`,
            'Keep one entry.',
          )
        seen.add(key)
        pinned.push({ entity, version })
      }
      if (!isMap(envNode)) {
        ctx.at(
          envNode ?? (pair.key as Scalar),
          'WRONG_TYPE',
          `environment "${name}" must be a mapping with actors, providers, components and/or services.`,
        )
        continue
      }
      const env = entries(envNode, ENV_KEYS, `environment "${name}"`, ctx)
      // Actors and services map a key (an actor's, a service's name) to a version.
      for (const [key, kind, example] of [
        ['actors', 'actor', '{ MB...: "1.0.0" }'],
        ['services', 'service', '{ calc: "1.1.0" }'],
      ] as const) {
        const map = env.get(key)
        if (!map) continue
        if (!isMap(map)) {
          const what = kind === 'actor' ? 'actor IDs' : 'service names'
          ctx.at(map, 'WRONG_TYPE', `${key} of "${name}" must map ${what} to versions, e.g. ${example}.`)
          continue
        }
        for (const item of map.items) {
          const keyNode = item.key as Scalar
          const id = String(keyNode.value)
          const idOk = checkId(kind, id, keyNode, ctx)
          const version = item.value
            ? versionOf(item.value as Node, ctx)
            : (ctx.at(keyNode, 'MISSING_KEY', `${kind} ${id} in "${name}" has no version.`), undefined)
          if (idOk) pin({ kind, id }, version, keyNode)
        }
      }
      const components = env.get('components')
      if (components) {
        if (!isMap(components))
          ctx.at(
            components,
            'WRONG_TYPE',
            `components of "${name}" must map component IDs to the component ID serving them, e.g. { hello: hello-v2 }.`,
          )
        else
          for (const c of components.items) {
            const keyNode = c.key as Scalar
            const id = String(keyNode.value)
            const idOk = checkId('component', id, keyNode, ctx)
            const version = c.value
              ? versionFor('component', c.value as Node, ctx)
              : (ctx.at(
                  keyNode,
                  'MISSING_KEY',
                  `component ${id} in "${name}" has no version (the component ID serving it).`,
                ),
                undefined)
            if (idOk) pin({ kind: 'component', id }, version, keyNode)
          }
      }
      const providers = env.get('providers')
      if (providers) {
        if (!isSeq(providers))
          ctx.at(providers, 'WRONG_TYPE', `providers of "${name}" must be a list of { id, link, version }.`)
        else
          for (const item of providers.items as Node[]) {
            if (!isMap(item)) {
              ctx.at(item, 'WRONG_TYPE', 'A provider entry must be a mapping { id, link, version }.')
              continue
            }
            const p = entries(item, PROVIDER_KEYS, 'a provider entry', ctx)
            const entity = providerRef(p.get('id'), p.get('link'), item, ctx)
            const vNode = p.get('version')
            const version = vNode
              ? versionOf(vNode, ctx)
              : (ctx.at(item, 'MISSING_KEY', 'A provider entry needs a version.', 'Add version: "x.y.z".'), undefined)
            if (entity) pin(entity, version, item)
          }
      }
      environments[name] = pinned
    }
  }
  return { environments, named }
}
