/**
 * `lattice host check`: does one host follow the host protocol (docs/host-protocol.md) for one
 * version of one entity? Verified from outside: the host's subscriptions as the servers see
 * them (CONNZ, system user), requests and control requests (application user). Nothing in the
 * account JWT is touched; only --stop changes the host (it stops the version, to watch it drain).
 */
import { LatticeError } from '../errors.js'
import { type ClientConnection, listConnections } from '../resolver/connections.js'
import {
  type EntityRef,
  controlCommandSubject,
  entityLabel,
  entityQueueGroup,
  inventorySubject,
  unversionedSubject,
  versionedSubject,
} from '../subjects/index.js'
import { awaitMetrics, burst, controlRequest, linesOf } from './host-probes.js'
import type { Session } from './session.js'
import {
  type Outcome,
  describeQueues,
  judgeAnswers,
  judgeInventory,
  judgeOnlyOwn,
  judgeSubjects,
} from './host-check-verdicts.js'
import { checkAmbiguous, checkDrain } from './host-check-control.js'

export type Level = 'MUST' | 'MUST NOT' | 'SHOULD'

export interface RequirementResult {
  id: string
  level: Level
  outcome: Outcome
  observed: string
}

export interface HostCheckOptions {
  hostId: string
  version: string
  /** Requests sent to each subject (and in the drain burst). */
  requests: number
  /** Stop the version on the host to check that it drains (destructive). */
  stop: boolean
  /** How long to wait for a metrics report. */
  metricsWithinMs?: number
}

export interface HostCheckResult {
  host: string
  lattice: string
  entity: string
  version: string
  subjects: { unversioned: string; versioned: string }
  queue: string
  /** The host's connections (those subscribed to its control subjects). */
  connections: { server: string; cid: number; name?: string }[]
  requirements: RequirementResult[]
  /** Every MUST and MUST NOT passed. */
  conformant: boolean
}

export async function hostCheck(session: Session, entity: EntityRef, o: HostCheckOptions): Promise<HostCheckResult> {
  const app = session.app
  if (!app) throw noAppCreds()
  const { lattice } = session
  const { hostId, version } = o
  const unv = unversionedSubject(lattice, entity)
  const ver = versionedSubject(lattice, entity, version)
  const queue = entityQueueGroup(entity)
  const results: RequirementResult[] = []
  const add = (id: string, level: Level, outcome: Outcome, observed: string) =>
    results.push({ id, level, outcome, observed })
  const metrics = awaitMetrics(app, lattice, hostId, entity, version, o.metricsWithinMs ?? 3000)

  // The inventory first: it says which versions the host claims to run.
  const inv = await controlRequest(app, inventorySubject(lattice, hostId), {})
  const lines = inv.ok ? linesOf(inv.body.entities, entity) : []
  add('HP-INVENTORY', 'MUST', ...judgeInventory(inv, lines, { lattice, hostId, version, unv, ver }))
  const versions = lines
    .filter((l) => typeof l.version === 'string' && Number(l.count) > 0)
    .map((l) => l.version as string)

  // Subscriptions, as the servers see them.
  const controlPrefix = controlCommandSubject(lattice, hostId, 'start').replace(/start$/, '')
  const isControl = (s: string) => s.startsWith(controlPrefix) || s === inventorySubject(lattice, hostId)
  const hostOf = (conns: ClientConnection[]) => conns.filter((c) => c.subscriptions.some((s) => isControl(s.subject)))
  let all = await listConnections(session.conn, session.account)
  // A server slower than the quiet period (a loaded machine) would hide the host: ask once more, waiting longer.
  if (hostOf(all).length === 0) all = await listConnections(session.conn, session.account, { quietMs: 1000 })
  const mine = hostOf(all)
  const named = all.filter((c) => c.name === `host-core ${hostId}`)
  const hostConns = mine.length > 0 ? mine : named
  const subs = hostConns.flatMap((c) => c.subscriptions)
  const found =
    hostConns.length === 0
      ? `no connection of the account subscribes to ${controlPrefix}* or ${inventorySubject(lattice, hostId)}`
      : undefined
  const onUnv = subs.filter((s) => s.subject === unv)
  const onVer = subs.filter((s) => s.subject === ver)
  add(
    'HP-SUBJECTS',
    'MUST',
    ...(found ? (['fail', found] as const) : judgeSubjects(onUnv.length, onVer.length, unv, ver)),
  )
  const wrongQueue = [...onUnv, ...onVer].filter((s) => s.queue !== queue)
  if (found || onUnv.length + onVer.length === 0) add('HP-QUEUE', 'MUST', 'fail', 'no subscription to judge')
  else if (wrongQueue.length > 0)
    add(
      'HP-QUEUE',
      'MUST',
      'fail',
      `${wrongQueue.length} of ${onUnv.length + onVer.length} subscriptions are ${describeQueues(wrongQueue)}, not in queue group "${queue}"`,
    )
  else add('HP-QUEUE', 'MUST', 'pass', `all ${onUnv.length + onVer.length} subscriptions in queue group "${queue}"`)
  add('HP-ONLY-OWN', 'MUST NOT', ...judgeOnlyOwn(subs, lattice, entity, versions, inv.ok, version))

  // Answers: straight to the version, then the shared subject.
  const direct = await burst(app, ver, o.requests)
  const shared = await burst(app, unv, o.requests)
  const others = all.filter((c) => !hostConns.includes(c) && c.subscriptions.some((s) => s.subject === unv)).length
  add('HP-ANSWER', 'MUST', ...judgeAnswers(direct, shared, others))
  const errors = direct.serviceErrors + shared.serviceErrors
  add(
    'HP-ERROR',
    'SHOULD',
    'not checked',
    errors > 0
      ? `${errors} answers carried Nats-Service-Error (the handler failed on an empty request); the format is not judged`
      : 'needs a failing handler; not checked from outside',
  )

  add('HP-AMBIGUOUS', 'MUST', ...(await checkAmbiguous(session, entity, hostId, lines, version)))

  const m = await metrics.found()
  if (m.report)
    add(
      'HP-METRICS',
      'SHOULD',
      'pass',
      `report #${m.report.seq} on wasmbus.metrics.${lattice}.${hostId} names ${version}`,
    )
  else
    add(
      'HP-METRICS',
      'SHOULD',
      'fail',
      m.reports > 0
        ? `${m.reports} reports arrived, none naming ${version}`
        : `no report on wasmbus.metrics.${lattice}.${hostId} within ${(o.metricsWithinMs ?? 3000) / 1000} s`,
    )

  if (!o.stop)
    add(
      'HP-DRAIN',
      'MUST',
      'skipped',
      'skipped (pass --stop: it stops this version on the host, with requests in flight)',
    )
  else add('HP-DRAIN', 'MUST', ...(await checkDrain(session, entity, hostId, version, ver, o.requests)))

  const conformant = results.every((r) => r.level === 'SHOULD' || r.outcome !== 'fail')
  return {
    host: hostId,
    lattice,
    entity: entityLabel(entity),
    version,
    subjects: { unversioned: unv, versioned: ver },
    queue,
    connections: hostConns.map((c) => ({ server: c.server, cid: c.cid, ...(c.name ? { name: c.name } : {}) })),
    requirements: results,
    conformant,
  }
}

export function noAppCreds(): LatticeError {
  return new LatticeError(
    'NO_APP_CREDS',
    'Checking a host needs an application-account user to send requests: pass --app-creds (LATTICE_APP_CREDS).',
    { hint: 'Use creds of a user of the account the host runs in.' },
  )
}

/** The error `host check` exits with when a MUST failed. */
export function nonconformant(result: HostCheckResult): LatticeError {
  const failed = result.requirements.filter((r) => r.level !== 'SHOULD' && r.outcome === 'fail').map((r) => r.id)
  return new LatticeError(
    'HOST_NONCONFORMANT',
    `Host ${result.host} does not follow the host protocol for ${result.entity} ${result.version}: ${failed.join(', ')} failed.`,
    {
      hint: 'See docs/host-protocol.md for each requirement; the lines above say what was observed.',
      details: { result },
    },
  )
}
