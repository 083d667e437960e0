/**
 * A rollout this process runs, as its steps see it (runner.ts runs them): its plan, its record in
 * the state bucket and what watches its steps; how it tells its events, and how it rolls back.
 */
import type { ChangeOptions } from '../ops/change.js'
import type { startObservation } from '../ops/observed-split.js'
import type { Session } from '../ops/session.js'
import type { RolloutPlan } from './plan/rollout-plan.js'
import type { Weights } from '../plan/weights.js'
import type { RolloutRecord, Rollouts } from './records/rollout-store.js'
import { type EntityRef, entityLabel } from '../subjects/index.js'
import type { ObserveMode } from '../traffic/observation.js'
import { RunnerRecord } from './record-access.js'
import type { RolloutEvent } from './rollout-event.js'
import type { Judgement, RolloutAnalysis } from './traffic-analysis.js'
import { restoreStable } from './weight-pushes.js'

export interface RunOptions {
  change: ChangeOptions
  onEvent: (e: RolloutEvent) => void
  /** What an interrupt (SIGINT/SIGTERM) does: put the stable weights back, or leave the weights as they are. */
  onInterrupt: 'abort' | 'hold'
  interrupted: () => boolean
  /** Where the observed weight is counted (default auto). */
  observe?: ObserveMode
}

export class RolloutRun {
  readonly entity: EntityRef
  readonly label: string
  /** How many steps the plan has (pauses are not steps). */
  readonly numbered: number
  /** The number of the step being run. */
  stepNumber = 0
  /** The rollout's record as this runner keeps it: progress, abort requests, its heartbeat. */
  readonly runnerRecord: RunnerRecord
  observing?: Awaited<ReturnType<typeof startObservation>>

  constructor(
    readonly session: Session,
    readonly plan: RolloutPlan,
    readonly opts: RunOptions,
    readonly rollouts: Rollouts,
    /** The weights before the first step: what a rollback restores. */
    readonly stable: Weights | null,
    readonly analysis: RolloutAnalysis | undefined,
    readonly record: RolloutRecord,
  ) {
    this.entity = plan.entity
    this.label = entityLabel(plan.entity)
    this.numbered = plan.steps.filter((s) => s !== 'pause').length
    this.runnerRecord = new RunnerRecord(rollouts, session.account, record, opts.interrupted)
  }

  /**
   * Put the stable weights back in one push and record why. `judgement`: the failed one that
   * decided it, carried by the rolled-back event (--json, notifications).
   */
  async rollBack(reason: string, judgement?: Judgement): Promise<RolloutRecord> {
    await restoreStable(this.session, this.entity, this.stable, this.opts.change)
    const back = await this.runnerRecord.finish({
      phase: 'rolled-back',
      message: reason,
      setWeight: this.stable?.[this.plan.to] ?? 0,
    })
    this.emit({ type: 'rolled-back', message: reason, ...(judgement ? { judgement } : {}) })
    return back
  }

  emit(e: Omit<RolloutEvent, 'time' | 'entity'>): void {
    this.opts.onEvent({ time: new Date().toISOString(), entity: this.label, ...e })
  }

  close(): void {
    this.runnerRecord.stopHeartbeat()
    this.observing?.observation?.stop()
    this.observing?.reports.stop()
    this.analysis?.stop()
  }
}
