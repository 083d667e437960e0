/**
 * The splits (A/B weights, optionally per cluster) and faults (a share of calls dropped) of a
 * spec. Problems are reported through the parser's context.
 */
import { isScalar, isSeq, type Node } from 'yaml'
import { weightProblem } from '../plan/weights.js'
import { type EntityRef, entityKey } from '../subjects/index.js'
import { entityItem } from './nodes.js'
import { clustersOf, weightsOf } from './split-weights.js'
import type { Ctx } from './nodes.js'

const SPLIT_KEYS = ['actor', 'provider', 'component', 'service', 'link', 'weights', 'clusters']
const FAULT_KEYS = ['actor', 'provider', 'component', 'service', 'link', 'drop']

export interface Split {
  entity: EntityRef
  weights: Record<string, number>
  /** Cluster-scoped weights: servers of cluster C use clusters[C] instead of weights. */
  clusters?: Record<string, Record<string, number>>
}

export interface Fault {
  entity: EntityRef
  drop: number
}

/**
 * The splits. `claimed`: entity key -> where it is already routed (the live environment); each
 * split's entity is added. `inAnyEnv`: entities named by any environment, which no split may route.
 */
export function parseSplits(splits: Node, ctx: Ctx, claimed: Map<string, string>, inAnyEnv: Set<string>): Split[] {
  const out: Split[] = []
  if (!isSeq(splits))
    ctx.at(splits, 'WRONG_TYPE', 'splits must be a list of { actor | provider | component, link?, weights }.')
  else
    for (const item of splits.items as Node[]) {
      const s = entityItem(item, SPLIT_KEYS, 'a split', ctx)
      if (!s) continue
      const key = entityKey(s.entity)
      if (inAnyEnv.has(key))
        ctx.at(
          item,
          'ENTITY_CONFLICT',
          `${s.entity.kind} ${s.entity.id} is both in splits and in an environment.`,
          'Route an entity either by environment (blue/green) or by split (A/B), not both.',
        )
      else if (claimed.has(key))
        ctx.at(
          item,
          'DUPLICATE_ENTITY',
          `${s.entity.kind} ${s.entity.id} has more than one split.`,
          'Keep one split per entity.',
        )
      claimed.set(key, 'splits')
      const wNode = s.fields.get('weights')
      const cNode = s.fields.get('clusters')
      if (!wNode && !cNode) {
        ctx.at(
          item,
          'MISSING_KEY',
          'A split needs weights (and/or clusters).',
          'Add weights: { "1.0.0": 90, "2.0.0": 10 }.',
        )
        continue
      }
      const weights = wNode ? weightsOf(wNode, ctx, s.entity) : {}
      const clusters = cNode ? clustersOf(cNode, ctx, s.entity) : undefined
      if (weights && (clusters || !cNode)) out.push({ entity: s.entity, weights, ...(clusters ? { clusters } : {}) })
    }
  return out
}

export function parseFaults(faults: Node, ctx: Ctx): Fault[] {
  const out: Fault[] = []
  if (!isSeq(faults))
    ctx.at(faults, 'WRONG_TYPE', 'faults must be a list of { actor | provider | component, link?, drop }.')
  else {
    const seen = new Set<string>()
    for (const item of faults.items as Node[]) {
      const f = entityItem(item, FAULT_KEYS, 'a fault', ctx)
      if (!f) continue
      const key = entityKey(f.entity)
      if (seen.has(key))
        ctx.at(
          item,
          'DUPLICATE_ENTITY',
          `${f.entity.kind} ${f.entity.id} has more than one fault.`,
          'Keep one fault per entity.',
        )
      seen.add(key)
      const dNode = f.fields.get('drop')
      if (!dNode) {
        ctx.at(item, 'MISSING_KEY', 'A fault needs drop (the percent of calls to drop).', 'Add drop: 5.')
        continue
      }
      const drop = isScalar(dNode) && typeof dNode.value === 'number' ? dNode.value : Number.NaN
      const p = Number.isNaN(drop) ? 'it is not a number' : weightProblem(drop)
      if (p)
        ctx.at(
          dNode,
          'INVALID_DROP',
          `drop ${isScalar(dNode) ? JSON.stringify(dNode.value) : ''} is invalid: ${p}.`,
          'Use a whole number from 0 to 100.',
        )
      else out.push({ entity: f.entity, drop })
    }
  }
  return out
}
