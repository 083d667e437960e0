/** `lattice status`: the live routes of a lattice, decoded from the live account JWT. */
import { routesFromMappings } from '../plan/routes.js'
import type { Weights } from '../plan/weights.js'
import { countSubscribers, listSubscriptions } from '../resolver/subscriptions.js'
import { type EntityKind, entityKey, entityQueueGroup, versionedSubject } from '../subjects/index.js'
import { loadLiveAccount } from './change.js'
import type { Session } from './session.js'

export interface RouteStatus {
  kind: EntityKind
  id: string
  link?: string
  subject: string
  /** version -> percent */
  weights: Weights
  /** Percent of calls dropped by fault injection (the rest of 100 - drop - weights stays on the unversioned subject). */
  drop?: number
  /** version -> running instances (host-core subscriptions on the versioned subject). */
  instances: Record<string, number>
  /** Destinations lattice did not write, shown as they are. */
  foreign?: { subject: string; weight?: number; cluster?: string }[]
}

export interface StatusResult {
  account: string
  lattice: string
  /** iat of the live account JWT (seconds). */
  issuedAt?: number
  routes: RouteStatus[]
  warnings: string[]
}

export async function status(session: Session): Promise<StatusResult> {
  const [liveResult, subsResult] = await Promise.allSettled([loadLiveAccount(session), listSubscriptions(session.conn, session.account)])
  if (liveResult.status === 'rejected') throw liveResult.reason
  if (subsResult.status === 'rejected') throw subsResult.reason
  const live = liveResult.value
  const subs = subsResult.value
  const routes = routesFromMappings(live.claims.nats.mappings, session.lattice)
    .sort((a, b) => entityKey(a.entity).localeCompare(entityKey(b.entity)))
    .map((r) => ({
      kind: r.entity.kind,
      id: r.entity.id,
      ...(r.entity.link ? { link: r.entity.link } : {}),
      subject: r.subject,
      weights: r.weights,
      ...(r.drop ? { drop: r.drop } : {}),
      instances: Object.fromEntries(
        Object.keys(r.weights).map((v) => [v, countSubscribers(subs, versionedSubject(session.lattice, r.entity, v), entityQueueGroup(r.entity))]),
      ),
      ...(r.foreign ? { foreign: r.foreign } : {}),
    }))
  return { account: session.account, lattice: session.lattice, issuedAt: live.claims.iat, routes, warnings: live.warnings }
}
