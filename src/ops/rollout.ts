/**
 * Progressive rollouts: steps of weight for the new version, a wait after each, then gates
 * (a probe of the new version against the stable one, and/or a command). A failed gate, an
 * abort from any terminal, or an interrupt puts the stable weights back in one push. Progress
 * lives in the state bucket, so `rollout status | abort | promote` work from anywhere.
 */
import { LatticeError } from '../errors.js'
import { type Weights, describeWeights, shiftWeights } from '../plan/weights.js'
import { currentOwner, currentWho } from '../state/journal.js'
import { type RolloutPlan, recordablePlan, validatePlan } from '../plan/rollout.js'
import { readRolloutCopy } from '../state/rollout-copy.js'
import { type GateResult, type RolloutRecord, Rollouts, isActive } from '../state/rollouts.js'
import { entityKey, entityLabel } from '../subjects/index.js'
import { observedShares } from '../traffic/observe.js'
import type { ObserveMode } from '../traffic/observation.js'
import { routesFromMappings } from '../plan/routes.js'
import type { ChangeOptions } from './change.js'
import { loadLiveAccount } from './live-account.js'
import { type AnalysisRecord, type Judgement, RolloutAnalysis, describeJudgement, failedMetrics, undecided } from './rollout-analysis.js'
import { POLL_MS, componentGatesNote, gatesUnlessStopped, sleep } from './rollout-gates.js'
import { servedEntity, startObservation } from './observe.js'
import { startsBelowLive } from './rollout-guard.js'
import { isStateDown, readRecord, restoreStable, setWeights, stateDownError } from './rollout-steps.js'

export { POLL_MS, sleep }
import type { Session } from './session.js'

export interface RolloutEvent {
  type: 'started' | 'step' | 'observed' | 'verdict' | 'gate' | 'paused' | 'promoted' | 'rolled-back' | 'held' | 'completed' | 'failed'
  time: string
  entity: string
  /** 1-based step number, and how many steps there are. */
  step?: number
  steps?: number
  weight?: number
  observed?: number
  /** Every version's share of the observed calls, in percent (with `observed`). */
  shares?: Record<string, number>
  /** Where the observed calls were counted (with `observed`): the hosts' metrics reports, or a subscription. */
  observedBy?: 'reports' | 'subscription'
  gate?: GateResult
  /** A real-traffic analysis judgement (type verdict). */
  judgement?: Judgement
  message?: string
}

export interface RunOptions {
  change: ChangeOptions
  onEvent: (e: RolloutEvent) => void
  /** What an interrupt (SIGINT/SIGTERM) does: put the stable weights back, or leave the weights as they are. */
  onInterrupt: 'abort' | 'hold'
  interrupted: () => boolean
  /** Where the observed weight is counted (default auto). */
  observe?: ObserveMode
}

export function rolloutsOf(session: Session): Rollouts {
  if (!session.journal) {
    throw new LatticeError('NO_STATE', 'Rollouts keep their progress in the state bucket: pass --state-creds (LATTICE_STATE_CREDS).', {
      hint: 'Use creds of a user in an account with JetStream, so status and abort work from any machine.',
    })
  }
  return new Rollouts(session.journal.store, session.account)
}

/** Thrown inside the runner when it must stop: an abort request, or an interrupt. */
class Stop {
  constructor(readonly why: 'abort' | 'interrupt') {}
}

export async function runRollout(session: Session, plan: RolloutPlan, opts: RunOptions): Promise<RolloutRecord> {
  validatePlan(plan)
  const rollouts = rolloutsOf(session)
  if (!session.app && plan.probe && plan.entity.kind !== 'component') throw new LatticeError('NO_APP_CREDS', 'Probing the new version needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).')
  const entity = plan.entity
  const label = entityLabel(entity)
  const numbered = plan.steps.filter((s) => s !== 'pause').length
  const emit = (e: Omit<RolloutEvent, 'time' | 'entity'>) => opts.onEvent({ time: new Date().toISOString(), entity: label, ...e })

  // What is live before the first step is what an abort restores; check now that every step can be set.
  const before = routesFromMappings((await loadLiveAccount(session)).claims.nats.mappings, session.lattice).find((r) => entityKey(r.entity) === entityKey(entity))
  const stable: Weights | null = before && Object.keys(before.weights).length ? before.weights : null
  const refuse = (message: string, hint: string) => new LatticeError('INVALID_ROLLOUT', message, { hint })
  if (before?.drop) throw refuse(`${label} has a fault injected (${before.drop}% dropped).`, 'Clear it first with `lattice fault clear`.')
  if (stable && !(stable[plan.from] > 0)) throw refuse(`${label} gives ${plan.from} no traffic now (live: ${describeWeights(stable)}).`, 'Roll out from the version that serves the traffic now.')
  const room = stable ? (stable[plan.from] ?? 0) + (stable[plan.to] ?? 0) : 100
  const top = Math.max(...plan.steps.filter((x): x is number => x !== 'pause'))
  if (top > room) throw refuse(`${plan.to} cannot reach ${top}%: other versions hold ${100 - room}% (live: ${describeWeights(stable as Weights)}).`, `Keep steps at or below ${room}, or move the other versions first.`)
  const backwards = startsBelowLive(plan, stable)
  if (backwards && !opts.change.force) throw backwards

  // Whether the hosts report metrics is known before anything changes (`--analysis` refuses without them).
  const { analysis, record: analysisRecord } = await RolloutAnalysis.start(session, plan)
  const now = new Date().toISOString()
  const record: RolloutRecord = { plan: recordablePlan(plan), lattice: session.lattice, phase: 'running', step: 0, setWeight: stable?.[plan.to] ?? 0, stable, gates: [], analysis: analysisRecord, who: currentWho(), owner: currentOwner(), startedAt: now, updatedAt: now }
  if ((await rollouts.start(record)) === undefined) {
    analysis?.stop()
    throw new LatticeError('ROLLOUT_RUNNING', `A rollout of ${label} is already running.`, { hint: 'See it with `lattice rollout status`, or stop it with `lattice rollout abort`.' })
  }
  emit({ type: 'started', steps: numbered, weight: record.setWeight, message: `${plan.from} -> ${plan.to}, steps ${plan.steps.join(',')}${componentGatesNote(plan)}${backwards ? `; going down to the first step from the live ${stable?.[plan.to]}% (--force)` : ''}; analysis ${analysisRecord.active ? (analysisRecord.mode === 'dry-run' ? 'on, dry run (acts on nothing)' : 'on') : `off: ${analysisRecord.note}`}` })

  /** The record; an abort made on this machine with --without-state (the bucket down) wins. */
  const read = async () => {
    const here = readRolloutCopy(session.account, entity)
    return here?.abortedWithoutState && here.startedAt === record.startedAt ? here : readRecord(rollouts, entity)
  }
  /** Is the rollout still ours to run? Throws Stop otherwise. */
  const checkpoint = async () => {
    if (opts.interrupted()) throw new Stop('interrupt')
    const r = await read()
    if (r && (r.abortRequested || !isActive(r))) throw new Stop('abort')
  }
  /** Record progress, unless an abort came in (then stop instead). */
  const progress = async (change: Partial<RolloutRecord>) => {
    let stopped = false
    await rollouts.update(entity, (r) => (r.abortRequested || !isActive(r) ? ((stopped = true), undefined) : { ...r, ...change }))
    if (stopped) throw new Stop('abort')
  }
  const finish = (change: Partial<RolloutRecord>) => rollouts.update(entity, (r) => ({ ...r, ...change })) as Promise<RolloutRecord>
  // A heartbeat tells `rollout abort` that the runner is alive and will do the restoring itself.
  const heartbeat = setInterval(() => {
    rollouts.update(entity, (r) => (isActive(r) ? { ...r, heartbeat: Date.now() } : undefined)).catch(() => undefined)
  }, HEARTBEAT_MS)

  const observing = session.app ? await startObservation(session, opts.observe ?? 'auto') : undefined
  const observer = observing?.observation
  try {
    let n = 0
    for (const [index, step] of plan.steps.entries()) {
      if (step === 'pause') {
        await progress({ step: index, phase: 'paused', promoteRequested: false })
        emit({ type: 'paused', step: n, steps: numbered, message: 'waiting for `lattice rollout promote`' })
        await waitFor(read, opts, Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
        await progress({ phase: 'running', promoteRequested: false })
        emit({ type: 'promoted', step: n, steps: numbered })
        continue
      }
      n++
      await checkpoint()
      let weights: Weights | null = null
      const set = await setWeights(session, entity, opts.change, (current) => (weights = shiftWeights(current ?? { [plan.from]: 100 }, { to: plan.to, weight: step, from: plan.from })))
      await progress({ step: index, setWeight: step, ...(set.revision === undefined ? {} : { revision: set.revision }), observedWeight: undefined, observedShares: undefined, observedBy: undefined, gates: [], ...(record.analysis?.active ? { analysis: { ...(record.analysis as AnalysisRecord), judgements: [] } } : {}) })
      // Live, but not everywhere (a leaf or a known server): said at every step; the next step pushes again.
      emit({ type: 'step', step: n, steps: numbered, weight: step, ...(set.bypassed ? { message: set.warnings.at(-1) } : {}) })

      // Every version that serves the entity counts (not only from and to): the observed weight is to's share of them all.
      if (observer) {
        const served = await servedEntity(session, entity)
        await observer.watch(served.watched, served.subscriptions)
      }
      observer?.take()
      analysis?.begin()
      await waitFor(read, opts, plan.intervalMs)
      // From reports: each host's last report interval of the wait (the earlier ones may hold calls from before the step).
      const shares = observer ? observedShares(observer.takeRates(1)[entityKey(entity)] ?? {}) : {}
      const observed = shares[plan.to]
      const observedBy = observer?.source(entityKey(entity))?.by
      if (observed !== undefined) {
        await progress({ observedWeight: observed, observedShares: shares, ...(observedBy ? { observedBy } : {}) })
        emit({ type: 'observed', step: n, steps: numbered, weight: step, observed, shares, ...(observedBy ? { observedBy } : {}) })
      }
      if (analysis) {
        const decided = await analyse(n, step, !((weights as Weights | null)?.[plan.from] ?? 0))
        if (decided) return decided
      }
      const gates = await gatesUnlessStopped(session, plan, { step: n, steps: numbered, weight: step, observed, shares }, () => checkpoint().then(() => false, () => true))
      await checkpoint() // a gate cut short by an abort or interrupt decides nothing
      await progress({ gates })
      for (const gate of gates) emit({ type: 'gate', step: n, steps: numbered, gate })
      const failed = gates.find((g) => !g.pass)
      if (failed) return await rollBack(`the ${failed.gate} gate failed at step ${n}: ${failed.detail}`)
    }
    let completed = false
    const done = (await rollouts.update(entity, (r) => (r.abortRequested || !isActive(r) ? undefined : ((completed = true), { ...r, phase: 'completed', message: `${plan.to} has ${top}%` })))) as RolloutRecord
    if (!completed) throw new Stop('abort')
    emit({ type: 'completed', message: done.message })
    return done
  } catch (e) {
    try {
      if (e instanceof Stop) return await stop(e.why)
    } catch (failed) {
      throw stateDownError(failed, plan, stable)
    }
    // Whatever broke, the stable weights come back; if even that fails, say so in the record.
    try {
      return await rollBack(`stopped by an error: ${(e as Error).message}`)
    } catch (failed) {
      const message = `stopped by an error (${(e as Error).message}); restoring the stable weights failed too`
      await finish({ phase: 'failed', message }).catch(() => undefined)
      emit({ type: 'failed', message })
      throw stateDownError(isStateDown(e) ? e : failed, plan, stable, e)
    }
  } finally {
    clearInterval(heartbeat)
    observer?.stop()
    observing?.reports.stop()
    analysis?.stop()
  }

  /**
   * Judge the step's real traffic until it passes `successes` times in a row. A Fail beyond the
   * failure limit rolls back; Inconclusive beyond its limit holds the rollout for promote (go on)
   * or abort. A dry run judges once, records, and acts on nothing. Returns the record when the
   * rollout ended here, undefined to go on with the gates.
   */
  async function analyse(n: number, weight: number, alone: boolean): Promise<RolloutRecord | undefined> {
    const a = analysis as RolloutAnalysis
    const judgements: Judgement[] = []
    let failures = 0
    let inconclusive = 0
    let passes = 0
    for (let round = 0; ; round++) {
      if (round > 0) await waitFor(read, opts, plan.intervalMs)
      const j = await a.judge(alone)
      judgements.push(j)
      await progress({ analysis: { ...(record.analysis as AnalysisRecord), judgements: judgements.slice(-10) } })
      emit({ type: 'verdict', step: n, steps: numbered, weight, judgement: j, message: describeJudgement(j) })
      if (a.plan.mode === 'dry-run') return undefined
      if (j.outcome === 'pass') {
        if (++passes >= a.plan.successes) return undefined
        continue
      }
      passes = 0
      if (j.outcome === 'fail') {
        if (++failures > a.plan.failureLimit) return rollBack(`real-traffic analysis failed at step ${n}: ${failedMetrics(j)}`)
        continue
      }
      if (++inconclusive > a.plan.inconclusiveLimit) {
        const why = `analysis ${j.outcome === 'nodata' ? 'NODATA' : 'inconclusive'} at step ${n} after ${judgements.length} judgement${judgements.length === 1 ? '' : 's'}: ${undecided(j)}`
        await progress({ phase: 'paused', promoteRequested: false, message: why })
        emit({ type: 'paused', step: n, steps: numbered, message: `${why}; waiting for \`lattice rollout promote\` (go on) or \`lattice rollout abort\`` })
        await waitFor(read, opts, Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
        await progress({ phase: 'running', promoteRequested: false, message: undefined })
        emit({ type: 'promoted', step: n, steps: numbered })
        return undefined
      }
    }
  }

  async function stop(why: 'abort' | 'interrupt'): Promise<RolloutRecord> {
    const current = await read()
    // Restored without the state on this machine: put the outcome in the bucket record if it answers.
    if (current?.abortedWithoutState) await finish({ phase: current.phase, message: current.message, setWeight: current.setWeight, abortedWithoutState: current.abortedWithoutState }).catch(() => undefined)
    // `rollout abort` restored the stable weights itself (it thought us gone): nothing to push.
    if (current && !isActive(current)) {
      emit({ type: current.phase === 'rolled-back' ? 'rolled-back' : 'held', message: current.message })
      return current
    }
    if (why === 'interrupt' && opts.onInterrupt === 'hold') {
      const held = await finish({ phase: 'held', message: 'interrupted; weights left as they were' })
      emit({ type: 'held', message: held.message })
      return held
    }
    const by = current?.abortRequested
    return rollBack(why === 'abort' ? `aborted by ${by?.who.user ?? 'someone'}@${by?.who.host ?? '?'}` : 'interrupted')
  }

  async function rollBack(reason: string): Promise<RolloutRecord> {
    await restoreStable(session, entity, stable, opts.change)
    const back = await finish({ phase: 'rolled-back', message: reason, setWeight: stable?.[plan.to] ?? 0 })
    emit({ type: 'rolled-back', message: reason })
    return back
  }
}

const HEARTBEAT_MS = 2000
/** `rollout abort` restores the weights itself when the runner has shown no sign of life this long. */
export const RUNNER_SILENT_MS = 10_000

/** Wait `ms` (or until `until` holds); throws Stop on an abort request or an interrupt. */
async function waitFor(read: () => Promise<RolloutRecord | undefined>, opts: RunOptions, ms: number, until?: (r: RolloutRecord) => boolean): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    if (opts.interrupted()) throw new Stop('interrupt')
    const r = await read()
    if (r && (r.abortRequested || !isActive(r))) throw new Stop('abort')
    if (until && r && until(r)) return
    const left = end - Date.now()
    if (left <= 0) return
    await sleep(Math.min(POLL_MS, left))
  }
}
