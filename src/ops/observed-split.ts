/**
 * What `lattice watch`, `lattice verify` and a rollout's observed weight share: the live routes,
 * the versions instances serve (the subjects worth watching) and an observation of real calls,
 * counted from the hosts' metrics reports where they cover every instance, by an
 * application-account subscription to the versioned subjects otherwise (traffic/observation.ts).
 */
import { serviceCatalogue } from './service-catalogue.js'
import { MetricsCollector } from '../analysis/collector.js'
import { LatticeError } from '../errors.js'
import { type Route, routesFromMappings } from '../plan/routes.js'
import type { Connection } from '../resolver/connection.js'
import type { Subscriber } from '../resolver/subscriptions.js'
import {
  type EntityRef,
  entityKey,
  entityQueueGroup,
  ownerKey,
  parseVersionedSubject,
  servesVersion,
  versionedSubject,
} from '../subjects/index.js'
import { type ObserveMode, type ObservedEntity, Observation } from '../traffic/observation.js'
import { loadLiveAccount } from './live-account.js'
import type { Session } from './session.js'

export function appOf(session: Session): Connection {
  if (!session.app)
    throw new LatticeError(
      'NO_APP_CREDS',
      'Observing traffic needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).',
      { hint: 'Use creds of a user of the account the actors run in; it only subscribes.' },
    )
  return session.app
}

/** The live routes of the lattice (only `only`, when given), and the account's subscriptions (read with them). */
export async function liveRoutes(
  session: Session,
  only?: EntityRef[],
): Promise<{ routes: Route[]; subscriptions: Subscriber[] }> {
  const live = await loadLiveAccount(session)
  const all = routesFromMappings(live.claims.nats.mappings, session.lattice, await serviceCatalogue(session))
  // A service named whole stands for each of its endpoints' routes.
  const wanted = new Set((only ?? []).map(ownerKey))
  return {
    routes: only?.length ? all.filter((r) => wanted.has(ownerKey(r.entity))) : all,
    subscriptions: await live.subscriptions(),
  }
}

/**
 * Versions given weight anywhere (unscoped or in a cluster) that instances serve: the subjects
 * worth watching. Instances subscribe in a queue group (host-core and wasmCloud hosts do); our
 * watcher does not, so it never counts itself, and it never sits alone on a subject where
 * callers should get "no responders". A component's version V is watched on `{lattice}.{V}.wrpc.>`:
 * wRPC sends one message per call there (the rest goes over inboxes). The count belongs to the
 * route watched (a component ID alone does not say which entity it is a version of).
 */
export function watchedOf(lattice: string, routes: Route[], subscriptions: Subscriber[]): ObservedEntity[] {
  const served = [...new Set(subscriptions.filter((s) => s.queue).map((s) => s.subject))]
  return routes.map((r) => {
    const versions = new Set(
      [r.weights, ...Object.values(r.clusters ?? {})].flatMap((w) =>
        Object.entries(w)
          .filter(([, x]) => x > 0)
          .map(([v]) => v),
      ),
    )
    const subjects = [...versions]
      .filter((v) => served.some((subject) => servesVersion(lattice, r.entity, v, subject)))
      .map((v) => [v, versionedSubject(lattice, r.entity, v)])
    return { key: entityKey(r.entity), entity: r.entity, subjects: Object.fromEntries(subjects) }
  })
}

/** Every version of `entity` that has weight (anywhere) and instances serving it, with the account's subscriptions. */
export async function servedEntity(
  session: Session,
  entity: EntityRef,
): Promise<{ watched: ObservedEntity[]; subscriptions: Subscriber[] }> {
  const { routes, subscriptions } = await liveRoutes(session, [entity])
  return { watched: watchedOf(session.lattice, routes, subscriptions), subscriptions }
}

/** An observation of real calls through the app connection (its MetricsCollector started). */
export async function startObservation(
  session: Session,
  mode: ObserveMode,
): Promise<{ observation: Observation; reports: MetricsCollector }> {
  const reports = new MetricsCollector(appOf(session), session.lattice)
  await reports.start()
  return { observation: new Observation(appOf(session), session.lattice, reports, mode), reports }
}

/** Versions of `entity` that instances serve (in the entity's queue group) besides `routed`: version -> versioned subject. */
export function otherRunningVersions(
  lattice: string,
  entity: EntityRef,
  routed: string[],
  subscriptions: Subscriber[],
): Record<string, string> {
  const out: Record<string, string> = {}
  // A component's other running version is the component ID itself, when it is not the one routed to.
  if (entity.kind === 'component') {
    const self = entity.id
    if (!routed.includes(self) && subscriptions.some((s) => s.queue && servesVersion(lattice, entity, self, s.subject)))
      out[self] = versionedSubject(lattice, entity, self)
    return out
  }
  for (const sub of subscriptions) {
    const parsed = parseVersionedSubject(lattice, sub.subject)
    if (
      !parsed ||
      sub.queue !== entityQueueGroup(entity) ||
      entityKey(parsed.entity) !== entityKey(entity) ||
      routed.includes(parsed.version)
    )
      continue
    out[parsed.version] = sub.subject
  }
  return out
}
