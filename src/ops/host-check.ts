/**
 * `lattice host check`: does one host follow the host protocol (docs/host-protocol.md) for one
 * version of one entity? Verified from outside: the host's subscriptions as the servers see
 * them (CONNZ, system user), requests and control requests (application user). Nothing in the
 * account JWT is touched; only --stop changes the host (it stops the version, to watch it drain).
 */
import { LatticeError } from '../errors.js'
import { type ClientConnection, listConnections } from '../resolver/connections.js'
import { type EntityRef, controlCommandSubject, entityKey, entityLabel, entityQueueGroup, inventorySubject, parseVersionedSubject, unversionedSubject, versionedSubject } from '../subjects/index.js'
import { type Burst, type InventoryLine, awaitMetrics, burst, controlRequest, linesOf } from './host-probes.js'
import type { Session } from './session.js'

export type Level = 'MUST' | 'MUST NOT' | 'SHOULD'
export type Outcome = 'pass' | 'fail' | 'skipped' | 'not checked'

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
  const add = (id: string, level: Level, outcome: Outcome, observed: string) => results.push({ id, level, outcome, observed })
  const metrics = awaitMetrics(app, lattice, hostId, entity, version, o.metricsWithinMs ?? 3000)

  // The inventory first: it says which versions the host claims to run.
  const inv = await controlRequest(app, inventorySubject(lattice, hostId), {})
  const lines = inv.ok ? linesOf(inv.body.entities, entity) : []
  add('HP-INVENTORY', 'MUST', ...judgeInventory(inv, lines, { lattice, hostId, version, unv, ver }))
  const versions = lines.filter((l) => typeof l.version === 'string' && Number(l.count) > 0).map((l) => l.version as string)

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
  const found = hostConns.length === 0 ? `no connection of the account subscribes to ${controlPrefix}* or ${inventorySubject(lattice, hostId)}` : undefined
  const onUnv = subs.filter((s) => s.subject === unv)
  const onVer = subs.filter((s) => s.subject === ver)
  add('HP-SUBJECTS', 'MUST', ...(found ? (['fail', found] as const) : judgeSubjects(onUnv.length, onVer.length, unv, ver)))
  const wrongQueue = [...onUnv, ...onVer].filter((s) => s.queue !== queue)
  if (found || onUnv.length + onVer.length === 0) add('HP-QUEUE', 'MUST', 'fail', 'no subscription to judge')
  else if (wrongQueue.length > 0) add('HP-QUEUE', 'MUST', 'fail', `${wrongQueue.length} of ${onUnv.length + onVer.length} subscriptions are ${describeQueues(wrongQueue)}, not in queue group "${queue}"`)
  else add('HP-QUEUE', 'MUST', 'pass', `all ${onUnv.length + onVer.length} subscriptions in queue group "${queue}"`)
  add('HP-ONLY-OWN', 'MUST NOT', ...judgeOnlyOwn(subs, lattice, entity, versions, inv.ok, version))

  // Answers: straight to the version, then the shared subject.
  const direct = await burst(app, ver, o.requests)
  const shared = await burst(app, unv, o.requests)
  const others = all.filter((c) => !hostConns.includes(c) && c.subscriptions.some((s) => s.subject === unv)).length
  add('HP-ANSWER', 'MUST', ...judgeAnswers(direct, shared, others))
  const errors = direct.serviceErrors + shared.serviceErrors
  add('HP-ERROR', 'SHOULD', 'not checked', errors > 0 ? `${errors} answers carried Nats-Service-Error (the handler failed on an empty request); the format is not judged` : 'needs a failing handler; not checked from outside')

  add('HP-AMBIGUOUS', 'MUST', ...(await checkAmbiguous(session, entity, hostId, lines, version)))

  const m = await metrics.found()
  if (m.report) add('HP-METRICS', 'SHOULD', 'pass', `report #${m.report.seq} on wasmbus.metrics.${lattice}.${hostId} names ${version}`)
  else add('HP-METRICS', 'SHOULD', 'fail', m.reports > 0 ? `${m.reports} reports arrived, none naming ${version}` : `no report on wasmbus.metrics.${lattice}.${hostId} within ${(o.metricsWithinMs ?? 3000) / 1000} s`)

  if (!o.stop) add('HP-DRAIN', 'MUST', 'skipped', 'skipped (pass --stop: it stops this version on the host, with requests in flight)')
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

type Verdict = readonly [Outcome, string]

function judgeInventory(inv: Awaited<ReturnType<typeof controlRequest>>, lines: InventoryLine[], w: { lattice: string; hostId: string; version: string; unv: string; ver: string }): Verdict {
  if (!inv.ok) return ['fail', inv.problem]
  const b = inv.body
  if (b.accepted !== true) return ['fail', `answered accepted: ${JSON.stringify(b.accepted)}`]
  if (b.hostId !== w.hostId || b.lattice !== w.lattice) return ['fail', `answered hostId ${JSON.stringify(b.hostId)}, lattice ${JSON.stringify(b.lattice)}`]
  if (!Array.isArray(b.entities)) return ['fail', 'the answer has no "entities" array']
  const line = lines.find((l) => l.version === w.version)
  if (!line) return ['fail', `no entry for version ${w.version} (versions listed: ${lines.map((l) => String(l.version)).join(', ') || 'none'})`]
  if (!(typeof line.count === 'number' && line.count >= 1)) return ['fail', `${w.version} is listed with count ${JSON.stringify(line.count)}`]
  const subjects = line.subjects
  if (!Array.isArray(subjects) || subjects[0] !== w.unv || subjects[1] !== w.ver) return ['fail', `${w.version} lists subjects ${JSON.stringify(subjects)}, expected [${w.unv}, ${w.ver}]`]
  return ['pass', `lists ${w.version} with count ${line.count} and both subjects`]
}

function judgeSubjects(unv: number, ver: number, unvSubject: string, verSubject: string): Verdict {
  const observed = `${unv} on ${unvSubject}, ${ver} on ${verSubject}`
  return unv > 0 && ver > 0 ? ['pass', observed] : ['fail', `${observed} (each instance subscribes to both)`]
}

function describeQueues(subs: { subject: string; queue?: string }[]): string {
  const groups = [...new Set(subs.map((s) => (s.queue === undefined ? 'in no queue group' : `in queue group "${s.queue}"`)))]
  return groups.join(' or ')
}

function judgeOnlyOwn(subs: { subject: string }[], lattice: string, entity: EntityRef, versions: string[], inventoryOk: boolean, version: string): Verdict {
  const own = new Set(inventoryOk ? [...versions, version] : [version])
  const key = entityKey(entity)
  const subscribed = [...new Set(subs.map((s) => parseVersionedSubject(lattice, s.subject)).filter((p) => p !== undefined && entityKey(p.entity) === key).map((p) => p!.version))].sort()
  const foreign = subscribed.filter((v) => !own.has(v))
  const against = inventoryOk ? `the inventory lists ${versions.join(', ') || 'none'}, --version ${version}` : `no inventory: judged against --version ${version} only`
  if (foreign.length > 0) return ['fail', `subscribes to the versioned subject of ${foreign.join(', ')} (${against})`]
  return ['pass', subscribed.length > 0 ? `versioned subscriptions only of ${subscribed.join(', ')} (${against})` : `no versioned subscription of another version (${against})`]
}

function judgeAnswers(direct: Burst, shared: Burst, others: number): Verdict {
  const part = (b: Burst, what: string) => `${what} ${b.answered}/${b.sent} answered${b.firstFailure ? ` (${b.firstFailure})` : ''}`
  const observed = `${part(direct, 'versioned')}; ${part(shared, 'unversioned')}`
  const who = others > 0 ? ` (${others} other connection${others === 1 ? '' : 's'} also serve the unversioned subject: which host answered it cannot be told from outside)` : ' (only this host serves the unversioned subject)'
  return direct.answered === direct.sent && shared.answered === shared.sent ? ['pass', observed + who] : ['fail', observed + who]
}

async function checkAmbiguous(session: Session, entity: EntityRef, hostId: string, lines: InventoryLine[], version: string): Promise<Verdict> {
  const running = lines.filter((l) => typeof l.version === 'string' && Number(l.count) > 0)
  if (running.length < 2) {
    return ['skipped', `skipped: needs two versions on the host (${running.length} runs); start a second version of the entity on ${hostId} and run again`]
  }
  const app = session.app!
  const ref = { kind: entity.kind, id: entity.id, ...(entity.link ? { link: entity.link } : {}) }
  // The count of --version: were the refusal missing, the least a wrong host could change.
  const count = Number(running.find((l) => l.version === version)?.count ?? running[0].count)
  const before = JSON.stringify(running.map((l) => [l.version, l.count]))
  const a = await controlRequest(app, controlCommandSubject(session.lattice, hostId, 'scale'), { ...ref, count })
  const after = await controlRequest(app, inventorySubject(session.lattice, hostId), {})
  const now = after.ok ? JSON.stringify(linesOf(after.body.entities, entity).filter((l) => Number(l.count) > 0).map((l) => [l.version, l.count])) : undefined
  const changed = now !== undefined && now !== before ? `; the inventory changed from ${before} to ${now}${await restore(session, ref, hostId, running)}` : ''
  if (!a.ok) return ['fail', `scale without a version: ${a.problem}`]
  const b = a.body
  const listed = Array.isArray(b.versions) ? (b.versions as unknown[]).map(String).sort() : []
  const expected = running.map((l) => l.version as string).sort()
  if (b.accepted !== false || b.code !== 'AMBIGUOUS_VERSION') return ['fail', `scale without a version (${running.length} versions run) answered accepted ${JSON.stringify(b.accepted)}, code ${JSON.stringify(b.code)}${changed}`]
  if (JSON.stringify(listed) !== JSON.stringify(expected)) return ['fail', `refused, but "versions" is ${JSON.stringify(b.versions)} (expected ${expected.join(', ')})${changed}`]
  if (changed) return ['fail', `refused, but${changed.slice(1)}`]
  return ['pass', `scale without a version refused: AMBIGUOUS_VERSION [${listed.join(', ')}], nothing changed`]
}

/** Scale each version back to the count it had (naming the version), after a host wrongly accepted a scale without one. */
async function restore(session: Session, ref: Record<string, string>, hostId: string, running: InventoryLine[]): Promise<string> {
  const subject = controlCommandSubject(session.lattice, hostId, 'scale')
  const answers = await Promise.all(running.map((l) => controlRequest(session.app!, subject, { ...ref, version: l.version, count: l.count })))
  const ok = answers.every((a) => a.ok && a.body.accepted === true)
  return ok ? ' (restored: each version scaled back to its count)' : ' (restoring each version\'s count failed: check the host)'
}

async function checkDrain(session: Session, entity: EntityRef, hostId: string, version: string, ver: string, n: number): Promise<Verdict> {
  const app = session.app!
  const ref = { kind: entity.kind, id: entity.id, ...(entity.link ? { link: entity.link } : {}), version }
  // The burst goes out first on the same connection, so the host has it before the stop.
  const inFlight = burst(app, ver, n)
  const stop = controlRequest(app, controlCommandSubject(session.lattice, hostId, 'stop'), ref)
  const [b, s] = await Promise.all([inFlight, stop])
  const stopped = s.ok ? (s.body.accepted === true ? 'stop accepted' : `stop refused: ${JSON.stringify(s.body.error ?? s.body.code)}`) : `stop: ${s.problem}`
  const observed = `${b.answered}/${b.sent} requests sent just before the stop answered${b.firstFailure ? ` (${b.firstFailure})` : ''}; ${stopped}`
  return b.answered === b.sent && s.ok && s.body.accepted === true ? ['pass', observed] : ['fail', observed]
}

export function noAppCreds(): LatticeError {
  return new LatticeError('NO_APP_CREDS', 'Checking a host needs an application-account user to send requests: pass --app-creds (LATTICE_APP_CREDS).', { hint: 'Use creds of a user of the account the host runs in.' })
}

/** The error `host check` exits with when a MUST failed. */
export function nonconformant(result: HostCheckResult): LatticeError {
  const failed = result.requirements.filter((r) => r.level !== 'SHOULD' && r.outcome === 'fail').map((r) => r.id)
  return new LatticeError('HOST_NONCONFORMANT', `Host ${result.host} does not follow the host protocol for ${result.entity} ${result.version}: ${failed.join(', ')} failed.`, {
    hint: 'See docs/host-protocol.md for each requirement; the lines above say what was observed.',
    details: { result },
  })
}
