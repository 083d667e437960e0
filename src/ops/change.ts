/**
 * The one way lattice changes live routing: read the live account JWT, verify it, compute
 * the new routes, check them against the servers' rules and the readiness gate, sign a
 * successor that differs only in our mappings, push it to every server, and check on every
 * server what it installed.
 */
import { journaledChange } from './journaled.js'
import { warnOfDrift } from './journal-drift.js'
import type { ChangeOptions, ChangeResult, Planner } from './change-types.js'
import type { Session } from './session.js'
import { partlyLiveError } from './bypasses.js'
import { type ChangeStage, unfinishedChange } from './unfinished.js'
import { savePushWithoutState } from './push-without-state.js'
import { STATE_WAS_AVAILABLE } from '../state/without-state-words.js'
import { loadLiveAccount } from './live-account.js'
import { planChange } from './change-plan.js'
import { pushChange } from './change-push.js'

export type {
  ChangeOptions,
  ChangeResult,
  EntityChange,
  LiveState,
  PlannedChange,
  Planner,
  ServerReport,
} from './change-types.js'

export async function changeRoutes(session: Session, plan: Planner, opts: ChangeOptions): Promise<ChangeResult> {
  // A long-running command (a rollout) gives each change the whole --timeout.
  const progress: { stage: ChangeStage } = { stage: 'before-push' }
  const result = await session.deadline
    .phase('changing the routes', async () => {
      if (session.journal && !opts.dryRun) {
        const result = await journaledChange(session, session.journal, opts, {
          load: () => loadLiveAccount(session),
          plan: (live) => planChange(session, live, plan, opts),
          push: (live, planned) => pushChange(session, live, planned, progress),
        })
        if (session.withoutState) result.warnings.push(STATE_WAS_AVAILABLE)
        return result
      }
      return plainChange(session, plan, opts, progress)
    })
    .catch((e) => Promise.reject(unfinishedChange(e, progress.stage, session.deadline.step, Boolean(session.journal))))
  // Checked once the change is recorded: it is live, only not everywhere.
  if (result.bypassed?.length) {
    const error = partlyLiveError(
      result.bypassed,
      { servers: result.servers, ...(result.revision === undefined ? {} : { revision: result.revision }) },
      result.revision,
    )
    if (opts.partlyLive !== 'warn') throw error
    result.warnings.push(error.message)
  }
  return result
}

async function plainChange(
  session: Session,
  plan: Planner,
  opts: ChangeOptions,
  progress: { stage: ChangeStage },
): Promise<ChangeResult> {
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

export const NO_HISTORY_WARNING =
  'History and locking are off (no --state-creds / LATTICE_STATE_CREDS): this change is not recorded, and a concurrent writer could undo it.'
