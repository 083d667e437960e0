/**
 * The page's buttons: exactly `lattice rollout abort|promote ID` and `lattice rollback --to N`
 * (the same ops, the same change options), run in the dashboard's session. The history records
 * the command as that command line, marked as sent from the dashboard.
 */
import { LatticeError, isLatticeError } from '../errors.js'
import { rollback } from '../ops/history.js'
import { abortRollout, promoteRollout } from '../rollout/status-abort-promote.js'
import type { ChangeOptions } from '../ops/change.js'
import type { Session } from '../ops/session.js'
import { specAtHand } from '../ops/spec.js'
import { redact } from '../redact.js'
import { type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import { checkEntity, entityFromId } from '../ops/entity.js'
import type { ActionAnswer, DashboardActions } from './model.js'

export type ActionPath = keyof DashboardActions
export const ACTION_PATHS: ActionPath[] = ['/api/rollout/abort', '/api/rollout/promote', '/api/rollback']

const bad = (message: string) =>
  new LatticeError('USAGE', message, { hint: 'The page sends these; see src/dashboard/model.ts (DashboardActions).' })

/** The entity the body names, checked as the CLI checks an ID argument. */
function entityOf(body: unknown): EntityRef {
  const e = (body as { entity?: { kind?: unknown; id?: unknown; link?: unknown } } | null)?.entity
  if (
    !e ||
    typeof e.id !== 'string' ||
    typeof e.kind !== 'string' ||
    (e.link !== undefined && typeof e.link !== 'string')
  )
    throw bad('The body must be {"entity": {"kind", "id", "link"?}}.')
  // A service's name is any token: the kind says it is one (as --service does on the command line).
  const entity =
    e.kind === 'service' ? checkEntity({ kind: 'service', id: e.id }) : entityFromId(e.id, e.link as string | undefined)
  if (entity.kind !== e.kind) throw bad(`"${e.id}" is a ${entity.kind} ID, not a ${e.kind}'s.`)
  return entity
}

function revisionOf(body: unknown): number {
  const n = (body as { revision?: unknown } | null)?.revision
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw bad('The body must be {"revision": N}, N a whole number of 0 or more.')
  return n
}

/** A change needs the signing key; without one, changeRoutes would only plan it. */
function requireSigner(session: Session): void {
  if (!session.signer) {
    throw new LatticeError(
      'SIGNING_KEY_MISSING',
      'The dashboard was started without a signing key, so it cannot change the account JWT. Nothing was changed.',
      {
        hint: 'Restart it with --signing-key (LATTICE_SIGNING_KEY) or LATTICE_SIGNING_KEY_SEED, or run the command in a terminal.',
      },
    )
  }
}

const idArgs = (e: EntityRef) =>
  `${e.id}${e.kind === 'provider' && e.link ? ` --link ${e.link}` : ''}${e.kind === 'service' ? ' --service' : ''}`
const change = (command: string): ChangeOptions => ({ dryRun: false, command: `${command} (from lattice dashboard)` })

export async function runAction(session: Session | undefined, path: ActionPath, body: unknown): Promise<ActionAnswer> {
  try {
    if (!session)
      throw new LatticeError(
        'CONNECTION_FAILED',
        'The dashboard is not connected to NATS right now; nothing was done.',
        { hint: 'Wait for the live data to come back, then try again.' },
      )
    switch (path) {
      case '/api/rollout/abort': {
        const entity = entityOf(body)
        requireSigner(session)
        const r = await abortRollout(session, entity, { change: change(`lattice rollout abort ${idArgs(entity)}`) })
        return {
          ok: true,
          message: `Rollout of ${entityLabel(entity)}: ${r.phase}${r.message ? ` (${r.message})` : ''}.`,
        }
      }
      case '/api/rollout/promote': {
        const entity = entityOf(body)
        await promoteRollout(session, entity)
        return { ok: true, message: `Rollout of ${entityLabel(entity)} promoted: it goes on from the pause.` }
      }
      case '/api/rollback': {
        const to = revisionOf(body)
        requireSigner(session)
        // As `lattice rollback --to N` run where the dashboard runs: lattice.yaml's live: kept in step.
        const { spec } = specAtHand(undefined)
        const r = await rollback(
          session,
          to,
          change(`lattice rollback --to ${to}`),
          spec ? { spec, write: true } : undefined,
        )
        return {
          ok: true,
          message: `Rolled back lattice ${r.lattice} to revision ${r.rolledBackTo}${r.revision === undefined ? '' : ` (now revision ${r.revision})`}.`,
        }
      }
    }
  } catch (e) {
    if (isLatticeError(e))
      return {
        ok: false,
        error: { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) },
      }
    return { ok: false, error: { code: 'INTERNAL', message: redact(e instanceof Error ? e.message : String(e)) } }
  }
}

export { entityKey }
