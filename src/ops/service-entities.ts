/** A service named on the command line, as the route entities of its endpoints (what `shift service` and its rollouts steer). */
import { LatticeError } from '../errors.js'
import { PATIENT_QUIET_MS, discoverServices } from '../services/discovery.js'
import { type ServiceRouteRequest, serviceRoutes } from '../services/service-routes.js'
import type { RouteChange } from '../plan/routes.js'
import { type EntityRef, knownService } from '../subjects/index.js'
import type { Session } from './session.js'
import { serviceCatalogue } from './service-catalogue.js'

/** Without a request: the endpoints lattice has routed (what a fault, clearing a cluster's weights or a rollout's way back touch). */
export async function serviceEntities(
  session: Session,
  name: string,
  request?: ServiceRouteRequest,
): Promise<EntityRef[]> {
  const known = knownService(await serviceCatalogue(session), name)
  if (!request) {
    if (!known)
      throw new LatticeError('NO_ROUTE', `lattice has not routed service ${name} (in this account, with this state).`, {
        hint: 'Route it first with `lattice shift service`; `lattice status` lists the routes. Nothing was changed.',
      })
    return Object.entries(known).map(([endpoint, subjects]) => ({ kind: 'service', id: name, endpoint, subjects }))
  }
  if (!session.app)
    throw new LatticeError(
      'NO_APP_CREDS',
      `Steering service ${name} needs an application-account user to read what its instances announce ($SRV.INFO): pass --app-creds (LATTICE_APP_CREDS).`,
      { hint: 'Use creds of a user of the account the service runs in. Nothing was changed.' },
    )
  session.deadline.at(`asking the instances of service ${name} for their endpoints`)
  const app = session.app
  const look = async (quietMs?: number) =>
    (await discoverServices(app, name, quietMs)).services.find((s) => s.name === name)
  let found = await look()
  // A version asked for and not heard: a second, patient look before refusing (an answer may come late).
  const asked = [request.weight > 0 ? request.to : undefined, request.from].filter((v) => v !== undefined)
  if (asked.some((v) => !found?.versions.some((x) => x.version === v))) found = await look(PATIENT_QUIET_MS)
  return serviceRoutes(name, request, found, known)
}

/**
 * A rollout step's endpoints: as routed when lattice knows `to`'s subject for each of them (the
 * readiness gate still checks that `to` serves them), else read from the instances. Asking
 * `$SRV.INFO` at every step would let one late answer on a busy machine fail a step.
 */
export async function stepEntities(session: Session, name: string, request: ServiceRouteRequest): Promise<EntityRef[]> {
  const known = knownService(await serviceCatalogue(session), name)
  const routed = known && Object.values(known).every((s) => Object.hasOwn(s.versions, request.to))
  return serviceEntities(session, name, routed ? undefined : request)
}

/**
 * `changes` with each service named whole (a spec's) replaced by its endpoints' routes, each
 * with the same weights: as lattice routed them, checked against the instances (--app-creds)
 * for the versions given weight. A service lattice has never routed is refused: only a shift
 * (--from) says which subjects its callers call.
 */
export async function withServiceEndpoints(session: Session, changes: RouteChange[]): Promise<RouteChange[]> {
  const out: RouteChange[] = []
  for (const c of changes) {
    if (c.entity.kind !== 'service' || c.entity.endpoint !== undefined) {
      out.push(c)
      continue
    }
    const name = c.entity.id
    if (!knownService(await serviceCatalogue(session), name))
      throw new LatticeError(
        'NO_ROUTE',
        `lattice has not routed service ${name} yet, so it does not know which subjects its callers call.`,
        {
          hint: `Route it once with \`lattice shift service ${name} --from <the version callers call now> --to <version> --weight N\` (docs/services.md); specs apply to it after that. Nothing was changed.`,
        },
      )
    const given = [c.weights, ...Object.values(c.clusters ?? {})].flatMap((w) =>
      Object.entries(w ?? {}).flatMap(([v, n]) => (n > 0 ? [v] : [])),
    )
    let entities = await serviceEntities(session, name)
    if (session.app) for (const to of new Set(given)) entities = await serviceEntities(session, name, { to, weight: 1 })
    else {
      const unknown = given.filter((v) => entities.some((e) => e.subjects?.versions[v] === undefined))
      if (unknown.length)
        throw new LatticeError(
          'NO_APP_CREDS',
          `lattice has not routed service ${name} ${unknown.join(', ')} yet: reading its endpoints ($SRV.INFO) needs --app-creds (LATTICE_APP_CREDS).`,
          { hint: 'Use creds of a user of the account the service runs in. Nothing was changed.' },
        )
    }
    out.push(...entities.map((entity) => ({ ...c, entity })))
  }
  return out
}
