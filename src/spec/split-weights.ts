/** A split's weights in a spec: per version, and per cluster (each checked, every problem reported). */
import { isMap, isScalar, type Node, type Scalar } from 'yaml'
import { weightProblem } from '../plan/weights.js'
import { type EntityRef, clusterNameProblem } from '../subjects/index.js'
import { type Ctx, versionFor } from './nodes.js'

export function clustersOf(
  node: Node,
  ctx: Ctx,
  entity: EntityRef,
): Record<string, Record<string, number>> | undefined {
  if (!isMap(node)) {
    ctx.at(node, 'WRONG_TYPE', 'clusters must map cluster names to weights, e.g. { west: { "1.0.0": 100 } }.')
    return undefined
  }
  const out: Record<string, Record<string, number>> = {}
  let ok = true
  for (const pair of node.items) {
    const keyNode = pair.key as Scalar
    const name = String(keyNode?.value)
    // "__proto__" would be taken as the table's prototype, not as a cluster: refused, with its place.
    const problem = !isScalar(keyNode)
      ? 'it is not a plain name'
      : name === '__proto__'
        ? "it is the name JavaScript gives an object's prototype, which lattice cannot keep as a cluster"
        : clusterNameProblem(name)
    if (problem) {
      ctx.at(
        keyNode,
        'INVALID_CLUSTER',
        `Cluster name ${JSON.stringify(name)} is invalid: ${problem}.`,
        'Use the cluster name the servers are configured with.',
      )
      ok = false
      continue
    }
    const weights = pair.value ? weightsOf(pair.value as Node, ctx, entity) : undefined
    if (weights) out[name] = weights
    else ok = false
  }
  return ok ? out : undefined
}

export function weightsOf(node: Node, ctx: Ctx, entity: EntityRef): Record<string, number> | undefined {
  if (!isMap(node)) {
    ctx.at(node, 'WRONG_TYPE', 'weights must map versions to whole percentages, e.g. { "1.0.0": 90, "2.0.0": 10 }.')
    return undefined
  }
  const out: [string, number][] = []
  let ok = true
  for (const pair of node.items) {
    const keyNode = pair.key as Scalar
    const version = versionFor(entity, keyNode, ctx)
    const w = pair.value as Node | null
    const value = isScalar(w) ? w.value : undefined
    const p = typeof value !== 'number' ? 'it is not a number' : weightProblem(value)
    if (p) {
      ctx.at(
        w ?? keyNode,
        'INVALID_WEIGHT',
        `Weight ${JSON.stringify(value ?? null)} for ${String(keyNode.value)} is invalid: ${p}.`,
        'Use a whole number from 0 to 100.',
      )
      ok = false
    }
    if (version === undefined) ok = false
    else if (out.some(([v]) => v === version)) {
      ctx.at(
        keyNode,
        'DUPLICATE_VERSION',
        `Version "${version}" appears twice (lattice compares version names in Unicode NFC, so composed and decomposed spellings are one version).`,
        'Keep one entry per version.',
      )
      ok = false
    } else out.push([version, value as number])
  }
  if (!ok) return undefined
  const sum = out.reduce((a, [, w]) => a + w, 0)
  if (sum !== 100) {
    ctx.at(node, 'WEIGHTS_SUM', `Weights sum to ${sum}, not 100.`, 'Make the weights of a split add up to exactly 100.')
    return undefined
  }
  return Object.fromEntries(out.filter(([, w]) => w > 0))
}
