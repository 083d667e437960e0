/** A service named on the command line, as the route entities of its endpoints (what `shift service` and its rollouts steer). */
import { LatticeError } from '../errors.js'
import { discoverServices } from '../services/discovery.js'
import { type ServiceRouteRequest, serviceRoutes } from '../services/service-routes.js'
import type { EntityRef } from '../subjects/index.js'
import type { Session } from './session.js'

/** Without a request: the endpoints lattice has routed (what a fault, clearing a cluster's weights or a rollout's way back touch). */
export async function serviceEntities(
  session: Session,
  name: string,
  request?: ServiceRouteRequest,
): Promise<EntityRef[]> {
  const known = session.services?.[name]
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
  const { services } = await discoverServices(session.app, name)
  return serviceRoutes(
    name,
    request,
    services.find((s) => s.name === name),
    known,
  )
}
