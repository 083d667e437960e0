/** How a rollout starts: checked against the live weights and recorded in the state bucket before any weight changes. */
import { LatticeError } from '../errors.js'
import { startObservation } from '../ops/observed-split.js'
import type { Session } from '../ops/session.js'
import { type RolloutPlan, recordablePlan, validatePlan } from './plan/rollout-plan.js'
import { currentOwner, currentWho } from '../state/journal.js'
import type { RolloutRecord } from './records/rollout-store.js'
import { entityLabel } from '../subjects/index.js'
import { componentGatesNote } from './gates.js'
import { rolloutsOf } from './record-access.js'
import { RolloutRun, type RunOptions } from './rollout-run.js'
import { servicePlan, stableWeights } from './start-checks.js'
import { RolloutAnalysis } from './traffic-analysis.js'

/**
 * Check the plan against the live weights, learn whether the hosts report metrics (`--analysis`
 * refuses without them) before anything changes, and record the rollout (refused while another
 * of the entity runs). `announce` then says so and starts the heartbeat and the observation: the
 * caller runs it where a failure ends the recorded rollout (else its record would stay running).
 */
export async function startRollout(
  session: Session,
  asked: RolloutPlan,
  opts: RunOptions,
): Promise<{ rollout: RolloutRun; announce: () => Promise<void> }> {
  validatePlan(asked)
  const plan = asked.entity.kind === 'service' ? await servicePlan(session, asked) : asked
  const rollouts = rolloutsOf(session)
  if (!session.app && plan.probe && plan.entity.kind !== 'component')
    throw new LatticeError(
      'NO_APP_CREDS',
      'Probing the new version needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).',
    )
  const { stable, backwards } = await stableWeights(session, plan, opts.change)
  const { analysis, record: analysisRecord } = await RolloutAnalysis.start(session, plan)
  const now = new Date().toISOString()
  const record: RolloutRecord = {
    plan: recordablePlan(plan),
    lattice: session.lattice,
    phase: 'running',
    step: 0,
    setWeight: stable?.[plan.to] ?? 0,
    stable,
    gates: [],
    analysis: analysisRecord,
    who: currentWho(),
    owner: currentOwner(),
    startedAt: now,
    updatedAt: now,
  }
  if ((await rollouts.start(record)) === undefined) {
    analysis?.stop()
    throw new LatticeError('ROLLOUT_RUNNING', `A rollout of ${entityLabel(plan.entity)} is already running.`, {
      hint: 'See it with `lattice rollout status`, or stop it with `lattice rollout abort`.',
    })
  }
  const rollout = new RolloutRun(session, plan, opts, rollouts, stable, analysis, record)
  const announce = async () => {
    const analysisNote = analysisRecord.active
      ? analysisRecord.mode === 'dry-run'
        ? 'on, dry run (acts on nothing)'
        : 'on'
      : `off: ${analysisRecord.note}`
    rollout.emit({
      type: 'started',
      steps: rollout.numbered,
      weight: record.setWeight,
      message: `${plan.from} -> ${plan.to}, steps ${plan.steps.join(',')}${componentGatesNote(plan)}${backwards ? `; going down to the first step from the live ${stable?.[plan.to]}% (--force)` : ''}; analysis ${analysisNote}`,
    })
    rollout.runnerRecord.startHeartbeat()
    // A service's calls are counted by its analysis (its own stats), not observed.
    rollout.observing =
      session.app && plan.entity.kind !== 'service'
        ? await startObservation(session, opts.observe ?? 'auto')
        : undefined
  }
  return { rollout, announce }
}
