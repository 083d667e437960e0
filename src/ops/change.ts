/**
 * The one way lattice changes live routing: read the live account JWT, verify it, compute
 * the new routes, check them against the servers' rules and the readiness gate, sign a
 * successor that differs only in our mappings, push it to every server, and check on every
 * server what it installed.
 */
import { type AccountClaims, signSuccessor, verifyAccountJwt, withRouteChanges } from '../account/account.js'
import { signerPublicKey } from '../account/jwt.js'
import { storedAccountJwt, writeBack } from '../auth/nsc.js'
import { assertOwnClaims, issuerTrust } from '../auth/operator.js'
import { LatticeError } from '../errors.js'
import { type EntityChange, type Mappings, type Route, type RouteChange, destinationsFor, liveClusters, routeIndex, routesFromMappings } from '../plan/routes.js'
import { sameWeights } from '../plan/weights.js'
import { type ServerRules, componentServersProblem, mappingIssues, oldestVersion, routesThatFit, rulesFor } from '../plan/server-rules.js'
import { type ServerReply, lookupStored, pushAccountJwt } from '../resolver/claims.js'
import { type ServerFacts, assertTrustedIssuer, fetchServerFacts } from '../resolver/server-info.js'
import { PATIENT_QUIET_MS, type ServerIdentity, pingServers, routePeers } from '../resolver/servers.js'
import { type Subscriber, listSubscriptions } from '../resolver/subscriptions.js'
import { discoverTopology } from '../resolver/topology.js'
import { KnownServers } from '../state/known-servers.js'
import { entityKey, entityLabel, unversionedSubject } from '../subjects/index.js'
import { notReadyError, unreadyVersions } from './readiness.js'
import { journaledChange, warnOfDrift } from './journaled.js'
import type { ChangeOptions, ChangeResult, LiveState, PlannedChange, Planner, ServerReport } from './change-types.js'
import type { Session } from './session.js'
import { systemAccountError } from './system-account.js'
import { type TopologyView, doubleRunError, doubleRuns, leafNames, partlyLiveError, subscribersBehindLeaves, viewTopology } from './topology-view.js'
import { checkReach } from './reach.js'
import { type ChangeStage, unfinishedChange } from './unfinished.js'
import { rolloutConflicts } from './rollout-conflicts.js'
import { verifyInstalled } from './verify.js'
import { savePushWithoutState } from './push-without-state.js'
import { STATE_WAS_AVAILABLE } from '../state/without-state-words.js'

export type { ChangeOptions, ChangeResult, EntityChange, LiveState, PlannedChange, Planner, ServerReport } from './change-types.js'

/**
 * The live account JWT, verified, with the facts of the cluster. Every resolver is asked for
 * its stored copy and the newest wins: a server that was down may still hold an older one,
 * and building on that would undo changes made while it was away.
 */
export async function loadLiveAccount(session: Session): Promise<LiveState> {
  session.deadline.at('reading the servers\' facts and the live account JWT')
  // Knowing how many servers there are (one VARZ, one ROUTEZ) lets every later gather stop as
  // soon as all have answered instead of waiting out a quiet period.
  const [facts, peers] = await Promise.all([fetchServerFacts(session.conn), routePeers(session.conn, session.conn.info?.server_id)])
  if (facts.systemAccount === session.account) throw systemAccountError(session.account, `server ${facts.server} says so`)
  const expected = facts.beyondCluster || peers === undefined ? undefined : peers + 1
  const subs = listSubscriptions(session.conn, session.account, { expected })
  subs.catch(() => undefined) // read (and its error raised) only if the gate needs it
  const places = discoverTopology(session.conn, { expected })
  places.catch(() => undefined)
  // A state glitch here costs only the names of servers gone since earlier changes.
  const known = session.journal ? new KnownServers(session.journal.store, session.account).list().catch(() => []) : Promise.resolve([])
  const [{ jwts: stored, without }, servers] = await Promise.all([lookupStored(session.conn, session.account, { expected }), pingServers(session.conn, { expected })])
  const topology = places.then((t) => viewTopology(t, session.account, servers))
  // Read only if the change gets that far: a command refused earlier closes the connection, which
  // ends this request; unwatched, its rejection would end the process after the real error (exit 1).
  topology.catch(() => undefined)
  if (stored.length === 0) {
    // `without`: how many servers said so (the rest, if any, said nothing before the quiet period ended).
    const said = without === 0 ? '' : ` (${without === 1 ? 'the one server said so' : `all ${without} servers said so`})`
    throw new LatticeError('ACCOUNT_NOT_FOUND', `The resolver has no JWT for account ${session.account}${said}.`, {
      hint: 'Check --account (LATTICE_ACCOUNT); the account must already be pushed to the resolver (e.g. with `nsc push`).',
      details: { serversWithoutJwt: without },
    })
  }
  const copies = stored.map((jwt) => verifyAccountJwt(jwt, session.account))
  const live = copies.reduce((a, b) => ((b.claims.iat ?? 0) > (a.claims.iat ?? 0) ? b : a))
  const warnings: string[] = []
  const stale = copies.filter((c) => c.jwt !== live.jwt).length
  if (stale > 0) warnings.push(`${stale} of ${copies.length} resolvers store an older JWT for the account; they catch up at their next resolver sync (\`lattice status --servers\` shows which).`)
  if (facts.knowsTrust && !facts.trustedKeys.has(live.claims.iss)) {
    warnings.push(`The stored account JWT is issued by ${live.claims.iss}, which the server's operator does not trust: the server keeps using older claims. A change signed with a trusted key replaces it.`)
  }
  const rules = rulesFor(oldestVersion([facts.version, ...servers.map((s) => s.version)]))
  if (session.nsc && storedAccountJwt(session.nsc) !== live.jwt) {
    const stored = verifyAccountJwt(storedAccountJwt(session.nsc), session.account).claims
    warnings.push((stored.iat ?? 0) > (live.claims.iat ?? 0)
      ? `The nsc store holds a newer JWT for ${session.nsc.name} than the servers (an \`nsc push\` not done yet?); lattice changes the servers' one and writes it back, replacing the store's.`
      : `The nsc store's JWT for ${session.nsc.name} is older than the servers'; lattice writes the live one (with this change) back into it.`)
  }
  return { ...live, facts, servers, rules, warnings, subscriptions: () => subs, topology: () => topology, known: () => known }
}

export async function changeRoutes(session: Session, plan: Planner, opts: ChangeOptions): Promise<ChangeResult> {
  // A long-running command (a rollout) gives each change the whole --timeout.
  const progress: { stage: ChangeStage } = { stage: 'before-push' }
  const result = await session.deadline.phase('changing the routes', async () => {
    if (session.journal && !opts.dryRun) {
      const result = await journaledChange(session, session.journal, opts, { load: () => loadLiveAccount(session), plan: (live) => planChange(session, live, plan, opts), push: (live, planned) => pushChange(session, live, planned, progress) })
      if (session.withoutState) result.warnings.push(STATE_WAS_AVAILABLE)
      return result
    }
    return plainChange(session, plan, opts, progress)
  }).catch((e) => Promise.reject(unfinishedChange(e, progress.stage, session.deadline.step, Boolean(session.journal))))
  // Checked once the change is recorded: it is live, only not everywhere.
  if (result.bypassed?.length) {
    const error = partlyLiveError(result.bypassed, { servers: result.servers, ...(result.revision === undefined ? {} : { revision: result.revision }) }, result.revision)
    if (opts.partlyLive !== 'warn') throw error
    result.warnings.push(error.message)
  }
  return result
}

async function plainChange(session: Session, plan: Planner, opts: ChangeOptions, progress: { stage: ChangeStage }): Promise<ChangeResult> {
  const live = await loadLiveAccount(session)
  const planned = await planChange(session, live, plan, opts)
  const down = opts.dryRun ? undefined : session.withoutState?.reason
  if (session.journal) await warnOfDrift(session.journal, live, planned.result)
  else if (!opts.dryRun && !down) planned.result.warnings.push(NO_HISTORY_WARNING)
  if (!planned.signed || opts.dryRun || planned.result.changes.length === 0) return planned.result
  if (!down) {
    await pushChange(session, live, planned, progress)
    return planned.result
  }
  try {
    await pushChange(session, live, planned, progress)
  } finally {
    // Saved even when the push partly failed: whatever reached a server is live there.
    savePushWithoutState(session, live, planned, opts.command ?? 'lattice', down)
  }
  return planned.result
}

export const NO_HISTORY_WARNING = 'History and locking are off (no --state-creds / LATTICE_STATE_CREDS): this change is not recorded, and a concurrent writer could undo it.'

/** Work out the change against `live` and run every check that needs no push. */
export async function planChange(session: Session, live: LiveState, plan: Planner, opts: ChangeOptions): Promise<PlannedChange> {
  const routes = routeIndex(routesFromMappings(live.claims.nats.mappings, session.lattice))
  const changes = describeChanges(session.lattice, routes, plan(routes, live))
  const mappings: Mappings = Object.fromEntries(
    changes
      .filter((c) => c.after || c.drop?.after || Object.keys(c.clusters?.after ?? {}).length)
      .map((c) => [c.subject, destinationsFor(session.lattice, c.entity, c.after ?? {}, c.drop?.after, c.clusters?.after)]),
  )
  let topology = await live.topology()
  // Leaves are judged by whether they run the JWT (PARTLY_LIVE), not counted among the acknowledgements required.
  const leaves = leafNames(topology)
  const minAcks = opts.minAcks ?? Math.max(1, live.servers.filter((s) => !leaves.has(s.name)).length)
  // Servers are reported once something is pushed to them: a plan or dry run has no answers to give.
  const result: ChangeResult = { account: session.account, lattice: session.lattice, changes, dryRun: opts.dryRun, pushed: false, servers: [], minAcks, confirmed: false, mappings, history: session.journal ? 'on' : 'off', warnings: [...live.warnings] }
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

  const tooOld = componentServersProblem(changes.filter((c) => mappings[c.subject]).map((c) => c.entity), live.servers, live.rules)
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
  const refusals = [...(unready.length > 0 ? [notReadyError(unready, { account: session.account, ...(live.claims.name ? { accountName: live.claims.name } : {}), lattice: session.lattice })] : []), ...checkDoubleRuns(session.lattice, changes, mappings, topology, subscriptions)]
  for (const error of refusals) refuseUnlessForced(error, opts, result)
  if (live.servers.length < minAcks) {
    throw new LatticeError('TOO_FEW_SERVERS', `Only ${live.servers.length} server${live.servers.length === 1 ? '' : 's'} answered (${live.servers.map((s) => s.name).join(', ')}); --min-acks ${minAcks} needs ${minAcks}. Nothing was changed.`, {
      hint: 'Bring the missing servers back, or lower --min-acks if going ahead without them is acceptable.',
    })
  }
  const next = withRouteChanges(live.claims, session.lattice, changes.map((c) => ({ entity: c.entity, weights: c.after, drop: c.drop?.after, clusters: c.clusters?.after })))
  if (!session.signer) return { result }
  const signed = { ...signSuccessor(next, live.claims, session.signer), claims: next }
  assertFits(signed.jwt, next, session.lattice, live.facts)
  return { result, signed }
}

/** Push the signed successor to every server and check what each one installed. */
export async function pushChange(session: Session, live: LiveState, planned: PlannedChange, progress: { stage: ChangeStage }): Promise<void> {
  const { result, signed } = planned
  if (!signed) throw new Error('pushChange needs a signed JWT')
  result.issuedAt = signed.iat
  session.deadline.at('pushing the account JWT', PUSH_HINT)
  progress.stage = 'pushing'
  const replies = await pushAccountJwt(session.conn, signed.jwt, { expected: live.servers.length })
  if (replies.some((r) => r.ok)) progress.stage = 'pushed'
  const asked: ServerReport[] = live.servers.map((s) => ({ server: s.name, ok: false, code: 0, message: 'no reply', ...(s.cluster ? { cluster: s.cluster } : {}), version: s.version }))
  result.servers = mergeReplies(asked, replies)
  result.pushed = true
  const rejected = replies.filter((s) => !s.ok)
  if (rejected.length > 0) {
    throw new LatticeError('PUSH_REJECTED', `The account JWT was rejected by ${rejected.map((s) => `${s.server} (${s.message})`).join(', ')}.`, {
      hint: rejected.length < replies.length ? 'Other servers accepted it; fix the cause and run the command again to bring all servers in line.' : 'Nothing changed; fix the cause the server gave.',
      details: { servers: result.servers },
    })
  }
  // Accepted JWTs go into the nsc store too, so a later `nsc push` carries our mappings.
  if (session.nsc) writeBack(session.nsc, signed.jwt)
  session.deadline.at('checking what each server installed', PUSH_HINT)
  await verifyInstalled(session, signed.jwt, signed.claims.nats.mappings, result)
  const leaves = leafNames(await checkReach(session, live, result))
  const acks = result.servers.filter((s) => s.ok && !leaves.has(s.server)).length
  if (acks < result.minAcks) {
    throw new LatticeError('TOO_FEW_ACKS', `Only ${acks} of the ${result.minAcks} acknowledgements required arrived (${result.servers.filter((s) => !s.ok).map((s) => `${s.server}: ${s.message}`).join(', ')}). The change is live on the servers that acknowledged it.`, {
      hint: 'A server that comes back takes the newest JWT at its next resolver sync; `lattice status --servers` shows when every server has it.',
      details: { servers: result.servers },
    })
  }
}

/** A safety refusal: thrown, or only a warning on a dry run and with --force. */
function refuseUnlessForced(error: LatticeError, opts: ChangeOptions, result: ChangeResult): void {
  const said = error.message.replace(/ Nothing was changed\.$/, '')
  // A dry run (`plan` too) says how to resolve it, not only that it would be refused.
  if (opts.dryRun) result.warnings.push(`${said} The change would be refused without --force.${error.hint ? ` ${error.hint}` : ''}`)
  else if (opts.force) result.warnings.push(`${said} Going ahead because of --force.`)
  else throw error
}

/** The subscriptions (with those behind leaves) and the topology again, waiting out a longer quiet period. */
async function lookAgain(session: Session, servers: ServerIdentity[]): Promise<[Subscriber[], TopologyView]> {
  const opts = { quietMs: PATIENT_QUIET_MS }
  const [subs, places] = await Promise.all([listSubscriptions(session.conn, session.account, opts), discoverTopology(session.conn, opts)])
  const topology = viewTopology(places, session.account, servers)
  return [[...subs, ...subscribersBehindLeaves(topology)], topology]
}

function checkDoubleRuns(lattice: string, changes: EntityChange[], mappings: Mappings, topology: TopologyView, subscriptions: Subscriber[]) {
  const runs = doubleRuns(lattice, changes, mappings, topology, subscriptions)
  return runs.length > 0 ? [doubleRunError(runs)] : []
}

const PUSH_HINT = 'The change may be live on some servers: `lattice status --servers` shows what each one runs (with --state-creds, the next change records it if it went live).'

function mergeReplies(expected: ServerReport[], replies: ServerReply[]): ServerReport[] {
  const byName = new Map(expected.map((s) => [s.server, s]))
  for (const r of replies) byName.set(r.server, { ...byName.get(r.server), ...r })
  return [...byName.values()].sort((a, b) => a.server.localeCompare(b.server))
}

function assertServerRules(mappings: Mappings, rules: ServerRules): void {
  const problems = mappingIssues(mappings, rules)
  if (problems.length === 0) return
  // "Not installed" is worse than a rejection: the servers say "jwt updated" and run the old mapping.
  const what = problems.every((p) => p.effect === 'rejected') ? 'would reject this change' : 'would not apply this change (some would answer "jwt updated" and keep the old mapping)'
  throw new LatticeError('SERVER_RULES', `The servers (oldest: nats-server ${rules.version}) ${what}: ${problems.map((p) => p.text).join('; ')}.`, {
    hint: 'Change the weights so they fit those rules, or upgrade the servers. Nothing was changed.',
  })
}

/** A JWT the servers would refuse as too large is stopped here, with how many routes fit. */
function assertFits(jwt: string, claims: AccountClaims, lattice: string, facts: ServerFacts): void {
  const max = facts.maxPayload
  if (!max || jwt.length <= max) return
  const ours = routesFromMappings(claims.nats.mappings, lattice)
  const ourBytes = Math.ceil((JSON.stringify(Object.fromEntries(ours.map((r) => [r.subject, claims.nats.mappings?.[r.subject]]))).length * 4) / 3)
  const fit = routesThatFit(max, jwt.length, ours.length, jwt.length - ourBytes)
  throw new LatticeError('JWT_TOO_LARGE', `The account JWT would be ${jwt.length} bytes, over the servers' max_payload of ${max} bytes: about ${fit} routes of lattice ${lattice} fit, this change needs ${ours.length}.`, {
    hint: 'Remove routes that are no longer needed (entities at 100% on one version need no mapping), or raise max_payload on every server. Nothing was changed.',
  })
}

function describeChanges(lattice: string, routes: Map<string, Route>, wanted: RouteChange[]): EntityChange[] {
  const out: EntityChange[] = []
  for (const change of wanted) {
    const route = routes.get(entityKey(change.entity))
    if (route?.foreign) {
      throw new LatticeError('UNSUPPORTED_MAPPING', `The live mapping of ${entityLabel(change.entity)} has destinations lattice did not write: ${route.foreign.map((d) => d.subject).join(', ')}.`, {
        hint: `Remove or fix the mapping for ${route.subject} by hand (e.g. with nsc), then run lattice again.`,
      })
    }
    const before = route && Object.keys(route.weights).length > 0 ? route.weights : null
    const after = change.weights && Object.keys(change.weights).length > 0 ? change.weights : null
    const drop = { before: route?.drop ?? 0, after: change.drop ?? 0 }
    const clusters = { before: liveClusters(route?.clusters), after: liveClusters(change.clusters) }
    const sameClusters = [...new Set([...Object.keys(clusters.before), ...Object.keys(clusters.after)])].every((c) => sameWeights(clusters.before[c], clusters.after[c]))
    if (sameWeights(before ?? undefined, after ?? undefined) && drop.before === drop.after && sameClusters) continue
    const scoped = Object.keys(clusters.before).length || Object.keys(clusters.after).length
    out.push({ entity: change.entity, subject: unversionedSubject(lattice, change.entity), before, after, ...(drop.before || drop.after ? { drop } : {}), ...(scoped ? { clusters } : {}) })
  }
  return out
}
