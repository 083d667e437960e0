/**
 * `lattice host check`: the verdicts judged from what was observed without changing the host
 * (its inventory, its subscriptions, its answers).
 */
import { type EntityRef, entityKey, parseVersionedSubject } from '../subjects/index.js'
import { type Burst, type InventoryLine, controlRequest } from './host-probes.js'

export type Outcome = 'pass' | 'fail' | 'skipped' | 'not checked'
export type Verdict = readonly [Outcome, string]

export function judgeInventory(
  inv: Awaited<ReturnType<typeof controlRequest>>,
  lines: InventoryLine[],
  w: { lattice: string; hostId: string; version: string; unv: string; ver: string },
): Verdict {
  if (!inv.ok) return ['fail', inv.problem]
  const b = inv.body
  if (b.accepted !== true) return ['fail', `answered accepted: ${JSON.stringify(b.accepted)}`]
  if (b.hostId !== w.hostId || b.lattice !== w.lattice)
    return ['fail', `answered hostId ${JSON.stringify(b.hostId)}, lattice ${JSON.stringify(b.lattice)}`]
  if (!Array.isArray(b.entities)) return ['fail', 'the answer has no "entities" array']
  const line = lines.find((l) => l.version === w.version)
  if (!line)
    return [
      'fail',
      `no entry for version ${w.version} (versions listed: ${lines.map((l) => String(l.version)).join(', ') || 'none'})`,
    ]
  if (!(typeof line.count === 'number' && line.count >= 1))
    return ['fail', `${w.version} is listed with count ${JSON.stringify(line.count)}`]
  const subjects = line.subjects
  if (!Array.isArray(subjects) || subjects[0] !== w.unv || subjects[1] !== w.ver)
    return ['fail', `${w.version} lists subjects ${JSON.stringify(subjects)}, expected [${w.unv}, ${w.ver}]`]
  return ['pass', `lists ${w.version} with count ${line.count} and both subjects`]
}

export function judgeSubjects(unv: number, ver: number, unvSubject: string, verSubject: string): Verdict {
  const observed = `${unv} on ${unvSubject}, ${ver} on ${verSubject}`
  return unv > 0 && ver > 0 ? ['pass', observed] : ['fail', `${observed} (each instance subscribes to both)`]
}

export function describeQueues(subs: { subject: string; queue?: string }[]): string {
  const groups = [
    ...new Set(subs.map((s) => (s.queue === undefined ? 'in no queue group' : `in queue group "${s.queue}"`))),
  ]
  return groups.join(' or ')
}

export function judgeOnlyOwn(
  subs: { subject: string }[],
  lattice: string,
  entity: EntityRef,
  versions: string[],
  inventoryOk: boolean,
  version: string,
): Verdict {
  const own = new Set(inventoryOk ? [...versions, version] : [version])
  const key = entityKey(entity)
  const subscribed = [
    ...new Set(
      subs
        .map((s) => parseVersionedSubject(lattice, s.subject))
        .filter((p) => p !== undefined && entityKey(p.entity) === key)
        .map((p) => p!.version),
    ),
  ].sort()
  const foreign = subscribed.filter((v) => !own.has(v))
  const against = inventoryOk
    ? `the inventory lists ${versions.join(', ') || 'none'}, --version ${version}`
    : `no inventory: judged against --version ${version} only`
  if (foreign.length > 0) return ['fail', `subscribes to the versioned subject of ${foreign.join(', ')} (${against})`]
  return [
    'pass',
    subscribed.length > 0
      ? `versioned subscriptions only of ${subscribed.join(', ')} (${against})`
      : `no versioned subscription of another version (${against})`,
  ]
}

export function judgeAnswers(direct: Burst, shared: Burst, others: number): Verdict {
  const part = (b: Burst, what: string) =>
    `${what} ${b.answered}/${b.sent} answered${b.firstFailure ? ` (${b.firstFailure})` : ''}`
  const observed = `${part(direct, 'versioned')}; ${part(shared, 'unversioned')}`
  const who =
    others > 0
      ? ` (${others} other connection${others === 1 ? '' : 's'} also serve the unversioned subject: which host answered it cannot be told from outside)`
      : ' (only this host serves the unversioned subject)'
  return direct.answered === direct.sent && shared.answered === shared.sent
    ? ['pass', observed + who]
    : ['fail', observed + who]
}
