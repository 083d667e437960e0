/**
 * Spec -> desired routes: for every entity the file names, the mapping it should have.
 *   live environment   -> its version at 100%
 *   split              -> its weights (and cluster-scoped weights)
 *   fault              -> drop% to the drop subject; the entity's other weights scaled to the rest
 *   named, nothing else -> no mapping (traffic spread over every running version)
 */
import type { Route, RouteChange } from '../plan/routes.js'
import { type Weights, sameWeights, scaleWeights } from '../plan/weights.js'
import { type EntityRef, entityKey, ownerKey } from '../subjects/index.js'
import type { Spec } from './parse.js'

export function desiredRoutes(spec: Spec, live: string | undefined = spec.live): RouteChange[] {
  const out = new Map<string, RouteChange>()
  const name = (entity: EntityRef) => {
    const key = entityKey(entity)
    if (!out.has(key)) out.set(key, { entity, weights: null })
    return out.get(key) as RouteChange
  }
  for (const pinned of Object.values(spec.environments)) for (const p of pinned) name(p.entity)
  if (live)
    for (const p of spec.environments[live] ?? []) name(p.entity).weights = Object.fromEntries([[p.version, 100]])
  for (const s of spec.splits) {
    const route = name(s.entity)
    route.weights = s.weights
    if (s.clusters) route.clusters = s.clusters
  }
  for (const f of spec.faults) {
    const route = name(f.entity)
    if (f.drop === 0) continue
    route.drop = f.drop
    if (route.weights && Object.keys(route.weights).length > 0)
      route.weights = f.drop === 100 ? {} : (scaleWeights(route.weights, 100 - f.drop) as Weights)
  }
  return [...out.values()]
}

/**
 * The environments of the file whose every entity `routes` sends where that environment says
 * (its version at 100%, with the file's faults): the ones that are live in those routes.
 */
export function routedEnvironments(spec: Spec, routes: Map<string, Route>): string[] {
  return Object.keys(spec.environments).filter((env) => {
    const own = new Set(spec.environments[env].map((p) => entityKey(p.entity)))
    const wanted = desiredRoutes(spec, env).filter((c) => own.has(entityKey(c.entity)))
    // A service is routed per endpoint: each of its endpoints' routes must say the same.
    const routesOf = (e: EntityRef): (Route | undefined)[] => {
      const endpoints =
        e.kind === 'service' ? [...routes.values()].filter((r) => ownerKey(r.entity) === ownerKey(e)) : []
      return endpoints.length ? endpoints : [routes.get(entityKey(e))]
    }
    return (
      wanted.length > 0 &&
      wanted.every((c) =>
        routesOf(c.entity).every(
          (r) => sameWeights(r?.weights, c.weights ?? undefined) && (r?.drop ?? 0) === (c.drop ?? 0),
        ),
      )
    )
  })
}
