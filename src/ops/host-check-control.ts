/**
 * `lattice host check`: the requirements checked by sending the host control requests: a scale
 * without a version must be refused when two versions run, and a stopped version must drain.
 */
import { type EntityRef, controlCommandSubject, inventorySubject } from '../subjects/index.js'
import { type InventoryLine, burst, controlRequest, linesOf } from './host-probes.js'
import type { Session } from './session.js'
import type { Verdict } from './host-check-verdicts.js'

export async function checkAmbiguous(
  session: Session,
  entity: EntityRef,
  hostId: string,
  lines: InventoryLine[],
  version: string,
): Promise<Verdict> {
  const running = lines.filter((l) => typeof l.version === 'string' && Number(l.count) > 0)
  if (running.length < 2) {
    return [
      'skipped',
      `skipped: needs two versions on the host (${running.length} runs); start a second version of the entity on ${hostId} and run again`,
    ]
  }
  const app = session.app!
  const ref = { kind: entity.kind, id: entity.id, ...(entity.link ? { link: entity.link } : {}) }
  // The count of --version: were the refusal missing, the least a wrong host could change.
  const count = Number(running.find((l) => l.version === version)?.count ?? running[0].count)
  const before = JSON.stringify(running.map((l) => [l.version, l.count]))
  const a = await controlRequest(app, controlCommandSubject(session.lattice, hostId, 'scale'), { ...ref, count })
  const after = await controlRequest(app, inventorySubject(session.lattice, hostId), {})
  const now = after.ok
    ? JSON.stringify(
        linesOf(after.body.entities, entity)
          .filter((l) => Number(l.count) > 0)
          .map((l) => [l.version, l.count]),
      )
    : undefined
  const changed =
    now !== undefined && now !== before
      ? `; the inventory changed from ${before} to ${now}${await restore(session, ref, hostId, running)}`
      : ''
  if (!a.ok) return ['fail', `scale without a version: ${a.problem}`]
  const b = a.body
  const listed = Array.isArray(b.versions) ? (b.versions as unknown[]).map(String).sort() : []
  const expected = running.map((l) => l.version as string).sort()
  if (b.accepted !== false || b.code !== 'AMBIGUOUS_VERSION')
    return [
      'fail',
      `scale without a version (${running.length} versions run) answered accepted ${JSON.stringify(b.accepted)}, code ${JSON.stringify(b.code)}${changed}`,
    ]
  if (JSON.stringify(listed) !== JSON.stringify(expected))
    return [
      'fail',
      `refused, but "versions" is ${JSON.stringify(b.versions)} (expected ${expected.join(', ')})${changed}`,
    ]
  if (changed) return ['fail', `refused, but${changed.slice(1)}`]
  return ['pass', `scale without a version refused: AMBIGUOUS_VERSION [${listed.join(', ')}], nothing changed`]
}

/** Scale each version back to the count it had (naming the version), after a host wrongly accepted a scale without one. */
async function restore(
  session: Session,
  ref: Record<string, string>,
  hostId: string,
  running: InventoryLine[],
): Promise<string> {
  const subject = controlCommandSubject(session.lattice, hostId, 'scale')
  const answers = await Promise.all(
    running.map((l) => controlRequest(session.app!, subject, { ...ref, version: l.version, count: l.count })),
  )
  const ok = answers.every((a) => a.ok && a.body.accepted === true)
  return ok
    ? ' (restored: each version scaled back to its count)'
    : " (restoring each version's count failed: check the host)"
}

export async function checkDrain(
  session: Session,
  entity: EntityRef,
  hostId: string,
  version: string,
  ver: string,
  n: number,
): Promise<Verdict> {
  const app = session.app!
  const ref = { kind: entity.kind, id: entity.id, ...(entity.link ? { link: entity.link } : {}), version }
  // The burst goes out first on the same connection, so the host has it before the stop.
  const inFlight = burst(app, ver, n)
  const stop = controlRequest(app, controlCommandSubject(session.lattice, hostId, 'stop'), ref)
  const [b, s] = await Promise.all([inFlight, stop])
  const stopped = s.ok
    ? s.body.accepted === true
      ? 'stop accepted'
      : `stop refused: ${JSON.stringify(s.body.error ?? s.body.code)}`
    : `stop: ${s.problem}`
  const observed = `${b.answered}/${b.sent} requests sent just before the stop answered${b.firstFailure ? ` (${b.firstFailure})` : ''}; ${stopped}`
  return b.answered === b.sent && s.ok && s.body.accepted === true ? ['pass', observed] : ['fail', observed]
}
