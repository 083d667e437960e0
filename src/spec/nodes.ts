/**
 * Reading spec nodes: each helper checks one kind of value and reports a located problem
 * (through the parser's context) instead of throwing, so that every problem is collected.
 */
import { type Node, type Scalar, type YAMLMap, isMap, isScalar } from 'yaml'
import {
  DEFAULT_LINK,
  type EntityKind,
  type EntityRef,
  entityIdProblem,
  normalizeVersion,
  routeTokenProblem,
  versionProblem,
  quoted,
} from '../subjects/index.js'
import { editDistance } from '../suggest.js'

export interface Ctx {
  at: (node: Node | Scalar | null | undefined, code: string, message: string, hint?: string) => void
}

/** The map's values by key; unknown keys are problems (with a did-you-mean). */
export function entries(map: YAMLMap, allowed: string[], where: string, ctx: Ctx): Map<string, Node> {
  const out = new Map<string, Node>()
  for (const pair of map.items) {
    const keyNode = pair.key as Scalar
    const key = String(keyNode?.value)
    if (!allowed.includes(key)) {
      const guess = closest(key, allowed)
      ctx.at(
        keyNode,
        'UNKNOWN_KEY',
        `Unknown key ${quoted(key)} in ${where}.`,
        guess ? `Did you mean "${guess}"?` : `Allowed keys: ${allowed.join(', ')}.`,
      )
      continue
    }
    out.set(key, (pair.value ?? keyNode) as Node)
  }
  return out
}

export function str(node: Node, what: string, ctx: Ctx): string | undefined {
  if (isScalar(node) && typeof node.value === 'string') return node.value
  ctx.at(node, 'WRONG_TYPE', `${what} must be a string.`)
  return undefined
}

export function versionOf(node: Node, ctx: Ctx): string | undefined {
  if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
    ctx.at(node, 'WRONG_TYPE', 'A version must be a string, e.g. "1.0.0".')
    return undefined
  }
  if (typeof node.value !== 'string') {
    const text = node.source ?? String(node.value)
    ctx.at(
      node,
      'WRONG_TYPE',
      `Version ${text} is a ${typeof node.value}, not a string.`,
      `Quote it: "${text}" (YAML reads ${text} as a ${typeof node.value}).`,
    )
    return undefined
  }
  const p = versionProblem(node.value)
  if (p) {
    ctx.at(
      node,
      'INVALID_VERSION',
      `Version "${node.value}" is invalid: ${p}.`,
      'A version is 1 to 128 bytes with no whitespace.',
    )
    return undefined
  }
  return normalizeVersion(node.value)
}

export function checkId(kind: EntityKind, id: string, node: Node | Scalar, ctx: Ctx): boolean {
  const p = entityIdProblem(kind, id)
  if (p && kind === 'component')
    ctx.at(node, 'INVALID_ID', `"${id}" is not a component ID lattice can route: ${p}.`, COMPONENT_ID_HINT)
  else if (p && kind === 'service')
    ctx.at(
      node,
      'INVALID_ID',
      `"${id}" is not a service name: ${p}.`,
      'Name the service as its instances announce it, e.g. calc.',
    )
  else if (p)
    ctx.at(
      node,
      'INVALID_ID',
      `"${id}" is not ${kind === 'actor' ? 'an actor ID (M...)' : 'a provider ID (V...)'}: ${p}.`,
      `Copy the ${kind}'s public key from its claims.`,
    )
  return !p
}

const COMPONENT_ID_HINT = 'A component ID is one NATS subject token, as wasmCloud names it, e.g. hello or hello-v2.'

/** A version of `entity`: for a component (wRPC), another component ID; else versionOf. */
export function versionFor(entity: EntityRef | EntityKind, node: Node, ctx: Ctx): string | undefined {
  const kind = typeof entity === 'string' ? entity : entity.kind
  if (kind !== 'component') return versionOf(node, ctx)
  if (!isScalar(node) || typeof node.value !== 'string') {
    const text = isScalar(node) ? (node.source ?? String(node.value)) : 'this'
    ctx.at(node, 'WRONG_TYPE', `A version of a component is a component ID (a string), not ${text}.`, COMPONENT_ID_HINT)
    return undefined
  }
  const p = routeTokenProblem(node.value)
  if (p) {
    ctx.at(
      node,
      'INVALID_VERSION',
      `Version "${node.value}" is not a component ID lattice can route: ${p}.`,
      `A version of a component is another component ID. ${COMPONENT_ID_HINT}`,
    )
    return undefined
  }
  return node.value
}

export function providerRef(
  idNode: Node | undefined,
  linkNode: Node | undefined,
  item: Node,
  ctx: Ctx,
): EntityRef | undefined {
  if (!idNode) {
    ctx.at(item, 'MISSING_KEY', 'A provider entry needs an id.', 'Add id: VA...')
    return undefined
  }
  const id = str(idNode, 'id', ctx)
  const idOk = id !== undefined && checkId('provider', id, idNode, ctx)
  let link: string | undefined = DEFAULT_LINK
  if (linkNode) {
    link = str(linkNode, 'link', ctx)
    const p = link === undefined ? undefined : routeTokenProblem(link)
    if (p) {
      ctx.at(
        linkNode,
        'INVALID_TOKEN',
        `link "${link}" is not one subject token lattice can map: ${p}.`,
        'Use a single token such as "default".',
      )
      link = undefined
    }
  }
  return idOk && link !== undefined ? { kind: 'provider', id: id as string, link } : undefined
}

/** A split, fault or rollout entry: exactly one of actor/provider/component (+ link for providers). */
export function entityItem(
  item: Node,
  allowed: string[],
  what: string,
  ctx: Ctx,
): { entity: EntityRef; fields: Map<string, Node> } | undefined {
  if (!isMap(item)) {
    ctx.at(item, 'WRONG_TYPE', `${capital(what)} must be a mapping.`)
    return undefined
  }
  const fields = entries(item, allowed, what, ctx)
  const provider = fields.get('provider')
  const named = ['actor', 'provider', 'component', 'service'].filter((k) => fields.has(k)).length
  if (named !== 1) {
    ctx.at(
      item,
      named > 1 ? 'CONFLICTING_KEYS' : 'MISSING_KEY',
      `${capital(what)} names exactly one of actor, provider, component or service.`,
      'Write actor: MB..., provider: VA... (with link), component: hello (a wasmCloud component ID) or service: calc (a NATS service).',
    )
    return undefined
  }
  // Named by one token: an actor's key, a component ID, a service's name.
  for (const kind of ['actor', 'component', 'service'] as const) {
    const node = fields.get(kind)
    if (!node) continue
    if (fields.has('link'))
      ctx.at(
        fields.get('link'),
        'UNKNOWN_KEY',
        'link applies to providers only.',
        `Remove link from this ${kind} entry.`,
      )
    const id = str(node, kind, ctx)
    return id !== undefined && checkId(kind, id, node, ctx) ? { entity: { kind, id }, fields } : undefined
  }
  const entity = providerRef(provider, fields.get('link'), item, ctx)
  return entity ? { entity, fields } : undefined
}

/** The allowed word closest to `word` by edit distance, if it is close enough to be a typo. */
function closest(word: string, allowed: string[]): string | undefined {
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const a of allowed) {
    const d = editDistance(word.toLowerCase(), a)
    if (d < bestD) [best, bestD] = [a, d]
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

/** A message as one sentence: the library's own messages end with ":" or nothing. */
export function sentence(s: string): string {
  const t = s.trim().replace(/[\s:;,]+$/, '')
  return /[.?!]$/.test(t) ? t : `${t}.`
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
