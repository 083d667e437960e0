/**
 * Progressive rollouts, run as docs/rollouts.md tells them: start (check the plan against the
 * live weights, record it in the state bucket), then for each step set the weight, wait and
 * observe the real calls, judge them (real-traffic analysis) and run the gates; at the end
 * complete, or, on a failure, an abort from any terminal or an interrupt, put the stable weights
 * back in one push. Progress lives in the state bucket, so `rollout status | abort | promote`
 * work from anywhere.
 */
import { LatticeError } from '../errors.js'
import type { ChangeOptions } from '../ops/change.js'
import { servedEntity, startObservation } from '../ops/observed-split.js'
import type { Session } from '../ops/session.js'
import { type RolloutPlan, recordablePlan, validatePlan } from '../plan/rollout-plan.js'
import { type Weights, shiftWeights } from '../plan/weights.js'
import { currentOwner, currentWho } from '../state/journal.js'
import { type RolloutRecord, type Rollouts, isActive } from '../state/rollout-store.js'
import { type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import type { ObserveMode } from '../traffic/observation.js'
import { observedShares } from '../traffic/passive-subscription.js'
import { type StepFacts, componentGatesNote, gatesUnlessStopped } from './gates.js'
import { stableWeights, topStep } from './start-checks.js'
import { type AnalysisRecord, type Judgement, RolloutAnalysis, describeJudgement, failedMetrics, undecided } from './traffic-analysis.js'
import { RunnerRecord, Stop, rolloutsOf } from './record-access.js'
import type { RolloutEvent } from './rollout-event.js'
import { isStateDown, restoreStable, setWeights, stateDownError } from './weight-pushes.js'

export interface RunOptions {
  change: ChangeOptions
  onEvent: (e: RolloutEvent) => void
  /** What an interrupt (SIGINT/SIGTERM) does: put the stable weights back, or leave the weights as they are. */
  onInterrupt: 'abort' | 'hold'
  interrupted: () => boolean
  /** Where the observed weight is counted (default auto). */
  observe?: ObserveMode
}

/** Run a rollout to its end: completed, rolled back or held (the record says which). */
export async function runRollout(session: Session, plan: RolloutPlan, opts: RunOptions): Promise<RolloutRecord> {
  const rollout = await Rollout.start(session, plan, opts)
  try {
    for (const [index, step] of plan.steps.entries()) {
      if (step === 'pause') {
        await rollout.waitForPromote(index)
        continue
      }
      const alone = await rollout.setWeight(index, step)
      const seen = await rollout.waitAndObserve(step)
      const ended = (await rollout.judgeTraffic(step, alone)) ?? (await rollout.runGates(seen))
      if (ended) return ended
    }
    return await rollout.complete()
  } catch (e) {
    return await rollout.stopped(e)
  } finally {
    rollout.close()
  }
}

/** A rollout this process runs: its plan, its record in the state bucket, and what watches its steps. */
class Rollout {
  private readonly entity: EntityRef
  private readonly label: string
  private readonly numbered: number
  /** The number of the step being run (pauses are not steps). */
  private n = 0
  /** The rollout's record as this runner keeps it: progress, abort requests, its heartbeat. */
  private readonly runnerRecord: RunnerRecord
  private observing?: Awaited<ReturnType<typeof startObservation>>

  private constructor(
    private readonly session: Session,
    private readonly plan: RolloutPlan,
    private readonly opts: RunOptions,
    private readonly rollouts: Rollouts,
    /** The weights before the first step: what a rollback restores. */
    private readonly stable: Weights | null,
    private readonly analysis: RolloutAnalysis | undefined,
    private readonly record: RolloutRecord,
  ) {
    this.entity = plan.entity
    this.label = entityLabel(plan.entity)
    this.numbered = plan.steps.filter((s) => s !== 'pause').length
    this.runnerRecord = new RunnerRecord(rollouts, session.account, record, opts.interrupted)
  }

  /**
   * Check the plan against the live weights, learn whether the hosts report metrics (`--analysis`
   * refuses without them) before anything changes, record the rollout (refused while another of
   * the entity runs), then start the heartbeat and the observation.
   */
  static async start(session: Session, plan: RolloutPlan, opts: RunOptions): Promise<Rollout> {
    validatePlan(plan)
    const rollouts = rolloutsOf(session)
    if (!session.app && plan.probe && plan.entity.kind !== 'component') throw new LatticeError('NO_APP_CREDS', 'Probing the new version needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).')
    const { stable, backwards } = await stableWeights(session, plan, opts.change)
    const { analysis, record: analysisRecord } = await RolloutAnalysis.start(session, plan)
    const now = new Date().toISOString()
    const record: RolloutRecord = { plan: recordablePlan(plan), lattice: session.lattice, phase: 'running', step: 0, setWeight: stable?.[plan.to] ?? 0, stable, gates: [], analysis: analysisRecord, who: currentWho(), owner: currentOwner(), startedAt: now, updatedAt: now }
    if ((await rollouts.start(record)) === undefined) {
      analysis?.stop()
      throw new LatticeError('ROLLOUT_RUNNING', `A rollout of ${entityLabel(plan.entity)} is already running.`, { hint: 'See it with `lattice rollout status`, or stop it with `lattice rollout abort`.' })
    }
    const rollout = new Rollout(session, plan, opts, rollouts, stable, analysis, record)
    const analysisNote = analysisRecord.active ? (analysisRecord.mode === 'dry-run' ? 'on, dry run (acts on nothing)' : 'on') : `off: ${analysisRecord.note}`
    rollout.emit({ type: 'started', steps: rollout.numbered, weight: record.setWeight, message: `${plan.from} -> ${plan.to}, steps ${plan.steps.join(',')}${componentGatesNote(plan)}${backwards ? `; going down to the first step from the live ${stable?.[plan.to]}% (--force)` : ''}; analysis ${analysisNote}` })
    rollout.runnerRecord.startHeartbeat()
    rollout.observing = session.app ? await startObservation(session, opts.observe ?? 'auto') : undefined
    return rollout
  }

  /** A `pause` step: wait for `lattice rollout promote` (or an abort). */
  async waitForPromote(index: number): Promise<void> {
    await this.runnerRecord.progress({ step: index, phase: 'paused', promoteRequested: false })
    this.emit({ type: 'paused', step: this.n, steps: this.numbered, message: 'waiting for `lattice rollout promote`' })
    await this.runnerRecord.waitFor(Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
    await this.runnerRecord.progress({ phase: 'running', promoteRequested: false })
    this.emit({ type: 'promoted', step: this.n, steps: this.numbered })
  }

  /** Push the step's weight for `to` (`from` takes the rest) and record it; true when `from` is left with no weight. */
  async setWeight(index: number, weight: number): Promise<boolean> {
    const { session, plan } = this
    this.n++
    await this.runnerRecord.checkpoint()
    let weights: Weights | null = null
    const set = await setWeights(session, this.entity, this.opts.change, (current) => (weights = shiftWeights(current ?? { [plan.from]: 100 }, { to: plan.to, weight, from: plan.from })))
    const freshAnalysis = this.record.analysis?.active ? { analysis: { ...(this.record.analysis as AnalysisRecord), judgements: [] } } : {}
    await this.runnerRecord.progress({ step: index, setWeight: weight, ...(set.revision === undefined ? {} : { revision: set.revision }), observedWeight: undefined, observedShares: undefined, observedBy: undefined, gates: [], ...freshAnalysis })
    // Live, but not everywhere (a leaf or a known server): said at every step; the next step pushes again.
    this.emit({ type: 'step', step: this.n, steps: this.numbered, weight, ...(set.bypassed ? { message: set.warnings.at(-1) } : {}) })
    return !((weights as Weights | null)?.[plan.from] ?? 0)
  }

  /** The wait after a step, counting the real calls of every version that serves the entity: the observed weight is `to`'s share of them all. */
  async waitAndObserve(weight: number): Promise<StepFacts> {
    const key = entityKey(this.entity)
    const observer = this.observing?.observation
    if (observer) {
      const served = await servedEntity(this.session, this.entity)
      await observer.watch(served.watched, served.subscriptions)
    }
    observer?.take()
    this.analysis?.begin()
    await this.runnerRecord.waitFor(this.plan.intervalMs)
    // From reports: each host's last report interval of the wait (the earlier ones may hold calls from before the step).
    const shares = observer ? observedShares(observer.takeRates(1)[key] ?? {}) : {}
    const observed = shares[this.plan.to]
    const observedBy = observer?.source(key)?.by
    if (observed !== undefined) {
      await this.runnerRecord.progress({ observedWeight: observed, observedShares: shares, ...(observedBy ? { observedBy } : {}) })
      this.emit({ type: 'observed', step: this.n, steps: this.numbered, weight, observed, shares, ...(observedBy ? { observedBy } : {}) })
    }
    return { step: this.n, steps: this.numbered, weight, observed, shares }
  }

  /**
   * Judge the step's real traffic until it passes `successes` times in a row. A Fail beyond the
   * failure limit rolls back; Inconclusive beyond its limit holds the rollout for promote (go on)
   * or abort. A dry run judges once, records, and acts on nothing. Returns the record when the
   * rollout ended here, undefined to go on with the gates (and when there is no analysis).
   */
  async judgeTraffic(weight: number, alone: boolean): Promise<RolloutRecord | undefined> {
    const a = this.analysis
    if (!a) return undefined
    const n = this.n
    const judgements: Judgement[] = []
    let failures = 0
    let inconclusive = 0
    let passes = 0
    for (let round = 0; ; round++) {
      if (round > 0) await this.runnerRecord.waitFor(this.plan.intervalMs)
      const j = await a.judge(alone)
      judgements.push(j)
      await this.runnerRecord.progress({ analysis: { ...(this.record.analysis as AnalysisRecord), judgements: judgements.slice(-10) } })
      this.emit({ type: 'verdict', step: n, steps: this.numbered, weight, judgement: j, message: describeJudgement(j) })
      if (a.plan.mode === 'dry-run') return undefined
      if (j.outcome === 'pass') {
        if (++passes >= a.plan.successes) return undefined
        continue
      }
      passes = 0
      if (j.outcome === 'fail') {
        if (++failures > a.plan.failureLimit) return this.rollBack(`real-traffic analysis failed at step ${n}: ${failedMetrics(j)}`)
        continue
      }
      if (++inconclusive > a.plan.inconclusiveLimit) {
        const why = `analysis ${j.outcome === 'nodata' ? 'NODATA' : 'inconclusive'} at step ${n} after ${judgements.length} judgement${judgements.length === 1 ? '' : 's'}: ${undecided(j)}`
        await this.runnerRecord.progress({ phase: 'paused', promoteRequested: false, message: why })
        this.emit({ type: 'paused', step: n, steps: this.numbered, message: `${why}; waiting for \`lattice rollout promote\` (go on) or \`lattice rollout abort\`` })
        await this.runnerRecord.waitFor(Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
        await this.runnerRecord.progress({ phase: 'running', promoteRequested: false, message: undefined })
        this.emit({ type: 'promoted', step: n, steps: this.numbered })
        return undefined
      }
    }
  }

  /** The step's gates, cut short by an abort or an interrupt; a failed one rolls back (the record is returned), else undefined to go on. */
  async runGates(facts: StepFacts): Promise<RolloutRecord | undefined> {
    const gates = await gatesUnlessStopped(this.session, this.plan, facts, () => this.runnerRecord.checkpoint().then(() => false, () => true))
    await this.runnerRecord.checkpoint() // a gate cut short by an abort or interrupt decides nothing
    await this.runnerRecord.progress({ gates })
    for (const gate of gates) this.emit({ type: 'gate', step: this.n, steps: this.numbered, gate })
    const failed = gates.find((g) => !g.pass)
    if (failed) return await this.rollBack(`the ${failed.gate} gate failed at step ${this.n}: ${failed.detail}`)
    return undefined
  }

  /** Every step passed: `to` keeps the top step's weight. */
  async complete(): Promise<RolloutRecord> {
    let completed = false
    const done = (await this.rollouts.update(this.entity, (r) => (r.abortRequested || !isActive(r) ? undefined : ((completed = true), { ...r, phase: 'completed', message: `${this.plan.to} has ${topStep(this.plan)}%` })))) as RolloutRecord
    if (!completed) throw new Stop('abort')
    this.emit({ type: 'completed', message: done.message })
    return done
  }

  /** The rollout stopped before completing: an abort or an interrupt, or an error. Whatever broke, the stable weights come back; if even that fails, the record says so. */
  async stopped(e: unknown): Promise<RolloutRecord> {
    const { plan, stable } = this
    try {
      if (e instanceof Stop) return await this.stop(e.why)
    } catch (failed) {
      throw stateDownError(failed, plan, stable)
    }
    try {
      return await this.rollBack(`stopped by an error: ${(e as Error).message}`)
    } catch (failed) {
      const message = `stopped by an error (${(e as Error).message}); restoring the stable weights failed too`
      await this.runnerRecord.finish({ phase: 'failed', message }).catch(() => undefined)
      this.emit({ type: 'failed', message })
      throw stateDownError(isStateDown(e) ? e : failed, plan, stable, e)
    }
  }

  close(): void {
    this.runnerRecord.stopHeartbeat()
    this.observing?.observation?.stop()
    this.observing?.reports.stop()
    this.analysis?.stop()
  }

  private async stop(why: 'abort' | 'interrupt'): Promise<RolloutRecord> {
    const current = await this.runnerRecord.read()
    // Restored without the state on this machine: put the outcome in the bucket record if it answers.
    if (current?.abortedWithoutState) await this.runnerRecord.finish({ phase: current.phase, message: current.message, setWeight: current.setWeight, abortedWithoutState: current.abortedWithoutState }).catch(() => undefined)
    // `rollout abort` restored the stable weights itself (it thought us gone): nothing to push.
    if (current && !isActive(current)) {
      this.emit({ type: current.phase === 'rolled-back' ? 'rolled-back' : 'held', message: current.message })
      return current
    }
    if (why === 'interrupt' && this.opts.onInterrupt === 'hold') {
      const held = await this.runnerRecord.finish({ phase: 'held', message: 'interrupted; weights left as they were' })
      this.emit({ type: 'held', message: held.message })
      return held
    }
    const by = current?.abortRequested
    return this.rollBack(why === 'abort' ? `aborted by ${by?.who.user ?? 'someone'}@${by?.who.host ?? '?'}` : 'interrupted')
  }

  private async rollBack(reason: string): Promise<RolloutRecord> {
    await restoreStable(this.session, this.entity, this.stable, this.opts.change)
    const back = await this.runnerRecord.finish({ phase: 'rolled-back', message: reason, setWeight: this.stable?.[this.plan.to] ?? 0 })
    this.emit({ type: 'rolled-back', message: reason })
    return back
  }

  private emit(e: Omit<RolloutEvent, 'time' | 'entity'>): void {
    this.opts.onEvent({ time: new Date().toISOString(), entity: this.label, ...e })
  }
}
