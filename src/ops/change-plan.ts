/**
 * Plans a change against the live account: the entity changes, the mappings they make, and
 * every check that needs no push (rollouts, server rules, readiness, double runs, size), then
 * signs the successor JWT.
 */
import { serviceCatalogue } from './service-catalogue.js'
import { type AccountClaims, signSuccessor, withRouteChanges } from '../account/account.js'
import { signerPublicKey } from '../account/jwt.js'
import { assertOwnClaims, issuerTrust } from '../auth/operator.js'
import { LatticeError } from '../errors.js'
import {
  type EntityChange,
  type Mappings,
  type Route,
  type RouteChange,
  destinationsFor,
  liveClusters,
  routeIndex,
  routesFromMappings,
} from '../plan/routes.js'
import { sameWeights } from '../plan/weights.js'
import { type ServerRules, componentServersProblem, mappingIssues, routesThatFit } from '../plan/server-rules.js'
import { type ServerFacts, assertTrustedIssuer } from '../resolver/server-info.js'
import { PATIENT_QUIET_MS, type ServerIdentity } from '../resolver/servers.js'
import { type Subscriber, listSubscriptions } from '../resolver/subscriptions.js'
import { discoverTopology } from '../resolver/topology.js'
import { entityKey, entityLabel, unversionedSubject } from '../subjects/index.js'
import { notReadyError, unreadyVersions } from './readiness.js'
import type { ChangeOptions, ChangeResult, LiveState, PlannedChange, Planner } from './change-types.js'
import type { Session } from './session.js'
import { doubleRunError, doubleRuns } from './double-runs.js'
import { type TopologyView, leafNames, subscribersBehindLeaves, viewTopology } from './topology-view.js'
import { rolloutConflicts } from './rollout-conflicts.js'

/** Work out the change against `live` and run every check that needs no push. */
export async function planChange(
  session: Session,
  live: LiveState,
  plan: Planner,
  opts: ChangeOptions,
): Promise<PlannedChange> {
  const routes = routeIndex(
    routesFromMappings(live.claims.nats.mappings, session.lattice, await serviceCatalogue(session)),
  )
  const changes = describeChanges(session.lattice, routes, plan(routes, live), live.claims.nats.mappings)
  const mappings: Mappings = Object.fromEntries(
    changes
      .filter((c) => c.after || c.drop?.after || Object.keys(c.clusters?.after ?? {}).length)
      .map((c) => [
        c.subject,
        destinationsFor(session.lattice, c.entity, c.after ?? {}, c.drop?.after, c.clusters?.after),
      ]),
  )
  let topology = await live.topology()
  // Leaves are judged by whether they run the JWT (PARTLY_LIVE), not counted among the acknowledgements required.
  const leaves = leafNames(topology)
  const minAcks = opts.minAcks ?? Math.max(1, live.servers.filter((s) => !leaves.has(s.name)).length)
  // Servers are reported once something is pushed to them: a plan or dry run has no answers to give.
  const result: ChangeResult = {
    account: session.account,
    lattice: session.lattice,
    changes,
    dryRun: opts.dryRun,
    pushed: false,
    servers: [],
    minAcks,
    confirmed: false,
    mappings,
    history: session.journal ? 'on' : 'off',
    warnings: [...live.warnings],
  }
  if (session.signer) {
    assertTrustedIssuer(live.facts, signerPublicKey(session.signer), 'The signing key')
    // Never launder: the claims re-signed below must be the operator's own (--force does not bypass this).
    assertOwnClaims(live.claims, session.trust ?? issuerTrust(signerPublicKey(session.signer), undefined, ''))
  }
  if (changes.length === 0) return { result }
  // A rollout of a changed entity: refused first, before the slower checks.
  const conflicts = await rolloutConflicts(session, changes, routes, opts)
  result.warnings.push(...conflicts.warnings)
  for (const error of conflicts.refusals) refuseUnlessForced(error, opts, result)

  const tooOld = componentServersProblem(
    changes.filter((c) => mappings[c.subject]).map((c) => c.entity),
    live.servers,
    live.rules,
  )
  if (tooOld) throw tooOld
  assertServerRules(mappings, live.rules)
  session.deadline.at('checking which versions have running instances')
  // Hosts behind a leaf that does not answer SUBSZ are seen only in the interest it sent its hub.
  let subscriptions = [...(await live.subscriptions()), ...subscribersBehindLeaves(topology)]
  let unready = unreadyVersions(session.lattice, changes, subscriptions)
  if (unready.length > 0 && !opts.force && !opts.dryRun) {
    // A second, patient look before refusing (not when it would only warn): a reply may have come after the quiet period.
    ;[subscriptions, topology] = await lookAgain(session, live.servers)
    unready = unreadyVersions(session.lattice, changes, subscriptions)
  }
  const refusals = [
    ...(unready.length > 0
      ? [
          notReadyError(unready, {
            account: session.account,
            ...(live.claims.name ? { accountName: live.claims.name } : {}),
            lattice: session.lattice,
          }),
        ]
      : []),
    ...checkDoubleRuns(session.lattice, changes, mappings, topology, subscriptions),
  ]
  for (const error of refusals) refuseUnlessForced(error, opts, result)
  if (live.servers.length < minAcks) {
    throw new LatticeError(
      'TOO_FEW_SERVERS',
      `Only ${live.servers.length} server${live.servers.length === 1 ? '' : 's'} answered (${live.servers.map((s) => s.name).join(', ')}); --min-acks ${minAcks} needs ${minAcks}. Nothing was changed.`,
      {
        hint: 'Bring the missing servers back, or lower --min-acks if going ahead without them is acceptable.',
      },
    )
  }
  const next = withRouteChanges(
    live.claims,
    session.lattice,
    changes.map((c) => ({ entity: c.entity, weights: c.after, drop: c.drop?.after, clusters: c.clusters?.after })),
  )
  if (!session.signer) return { result }
  const signed = { ...signSuccessor(next, live.claims, session.signer), claims: next }
  assertFits(signed.jwt, next, session.lattice, live.facts)
  return { result, signed }
}

/** A safety refusal: thrown, or only a warning on a dry run and with --force. */
function refuseUnlessForced(error: LatticeError, opts: ChangeOptions, result: ChangeResult): void {
  const said = error.message.replace(/ Nothing was changed\.$/, '')
  // A dry run (`plan` too) says how to resolve it, not only that it would be refused.
  if (opts.dryRun)
    result.warnings.push(`${said} The change would be refused without --force.${error.hint ? ` ${error.hint}` : ''}`)
  else if (opts.force) result.warnings.push(`${said} Going ahead because of --force.`)
  else throw error
}

/** The subscriptions (with those behind leaves) and the topology again, waiting out a longer quiet period. */
async function lookAgain(session: Session, servers: ServerIdentity[]): Promise<[Subscriber[], TopologyView]> {
  const opts = { quietMs: PATIENT_QUIET_MS }
  const [subs, places] = await Promise.all([
    listSubscriptions(session.conn, session.account, opts),
    discoverTopology(session.conn, opts),
  ])
  const topology = viewTopology(places, session.account, servers)
  return [[...subs, ...subscribersBehindLeaves(topology)], topology]
}

function checkDoubleRuns(
  lattice: string,
  changes: EntityChange[],
  mappings: Mappings,
  topology: TopologyView,
  subscriptions: Subscriber[],
) {
  const runs = doubleRuns(lattice, changes, mappings, topology, subscriptions)
  return runs.length > 0 ? [doubleRunError(runs)] : []
}

function assertServerRules(mappings: Mappings, rules: ServerRules): void {
  const problems = mappingIssues(mappings, rules)
  if (problems.length === 0) return
  // "Not installed" is worse than a rejection: the servers say "jwt updated" and run the old mapping.
  const what = problems.every((p) => p.effect === 'rejected')
    ? 'would reject this change'
    : 'would not apply this change (some would answer "jwt updated" and keep the old mapping)'
  throw new LatticeError(
    'SERVER_RULES',
    `The servers (oldest: nats-server ${rules.version}) ${what}: ${problems.map((p) => p.text).join('; ')}.`,
    {
      hint: 'Change the weights so they fit those rules, or upgrade the servers. Nothing was changed.',
    },
  )
}

/** A JWT the servers would refuse as too large is stopped here, with how many routes fit. */
function assertFits(jwt: string, claims: AccountClaims, lattice: string, facts: ServerFacts): void {
  const max = facts.maxPayload
  if (!max || jwt.length <= max) return
  const ours = routesFromMappings(claims.nats.mappings, lattice)
  const ourBytes = Math.ceil(
    (JSON.stringify(Object.fromEntries(ours.map((r) => [r.subject, claims.nats.mappings?.[r.subject]]))).length * 4) /
      3,
  )
  const fit = routesThatFit(max, jwt.length, ours.length, jwt.length - ourBytes)
  throw new LatticeError(
    'JWT_TOO_LARGE',
    `The account JWT would be ${jwt.length} bytes, over the servers' max_payload of ${max} bytes: about ${fit} routes of lattice ${lattice} fit, this change needs ${ours.length}.`,
    {
      hint: 'Remove routes that are no longer needed (entities at 100% on one version need no mapping), or raise max_payload on every server. Nothing was changed.',
    },
  )
}

function describeChanges(
  lattice: string,
  routes: Map<string, Route>,
  wanted: RouteChange[],
  liveMappings: Mappings | undefined,
): EntityChange[] {
  const out: EntityChange[] = []
  for (const change of wanted) {
    const route = routes.get(entityKey(change.entity))
    const subject = unversionedSubject(lattice, change.entity)
    // A service's caller subject is any subject: one mapped by another tool is not ours to rewrite.
    if (!route && liveMappings?.[subject]) {
      throw new LatticeError(
        'UNSUPPORTED_MAPPING',
        `The live JWT already maps ${subject} (${entityLabel(change.entity)}), and not as a route lattice knows.`,
        {
          hint: `Remove that mapping by hand (e.g. with nsc) if it is not needed, or run lattice with the --state-creds it was routed with. Nothing was changed.`,
        },
      )
    }
    if (route?.foreign) {
      throw new LatticeError(
        'UNSUPPORTED_MAPPING',
        `The live mapping of ${entityLabel(change.entity)} has destinations lattice did not write: ${route.foreign.map((d) => d.subject).join(', ')}.`,
        {
          hint: `Remove or fix the mapping for ${route.subject} by hand (e.g. with nsc), then run lattice again.`,
        },
      )
    }
    const before = route && Object.keys(route.weights).length > 0 ? route.weights : null
    const after = change.weights && Object.keys(change.weights).length > 0 ? change.weights : null
    const drop = { before: route?.drop ?? 0, after: change.drop ?? 0 }
    const clusters = { before: liveClusters(route?.clusters), after: liveClusters(change.clusters) }
    const sameClusters = [...new Set([...Object.keys(clusters.before), ...Object.keys(clusters.after)])].every((c) =>
      sameWeights(clusters.before[c], clusters.after[c]),
    )
    if (sameWeights(before ?? undefined, after ?? undefined) && drop.before === drop.after && sameClusters) continue
    const scoped = Object.keys(clusters.before).length || Object.keys(clusters.after).length
    out.push({
      entity: change.entity,
      subject,
      before,
      after,
      ...(drop.before || drop.after ? { drop } : {}),
      ...(scoped ? { clusters } : {}),
    })
  }
  return out
}
