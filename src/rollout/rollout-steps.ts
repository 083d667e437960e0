/**
 * The steps of a rollout (runner.ts runs them in order): a pause waits for promote; a step sets
 * its weight, waits and observes the real calls, judges them (real-traffic analysis), then runs
 * the gates. A step that ends the rollout returns its record.
 */
import { servedEntity } from '../ops/observed-split.js'
import { type Weights, shiftWeights } from '../plan/weights.js'
import type { RolloutRecord } from './records/rollout-store.js'
import { entityKey } from '../subjects/index.js'
import { observedShares } from '../traffic/passive-subscription.js'
import { type StepFacts, gatesUnlessStopped } from './gates.js'
import type { RolloutRun } from './rollout-run.js'
import { watchStep } from './sequential-step.js'
import {
  type AnalysisRecord,
  type Judgement,
  type RolloutAnalysis,
  describeJudgement,
  failedMetrics,
  sequentialNote,
  undecided,
} from './traffic-analysis.js'
import { setWeights } from './weight-pushes.js'

/** A `pause` step: wait for `lattice rollout promote` (or an abort). */
export async function waitForPromote(rollout: RolloutRun, index: number): Promise<void> {
  await rollout.runnerRecord.progress({ step: index, phase: 'paused', promoteRequested: false })
  rollout.emit({
    type: 'paused',
    step: rollout.stepNumber,
    steps: rollout.numbered,
    message: 'waiting for `lattice rollout promote`',
  })
  await rollout.runnerRecord.waitFor(Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
  await rollout.runnerRecord.progress({ phase: 'running', promoteRequested: false })
  rollout.emit({ type: 'promoted', step: rollout.stepNumber, steps: rollout.numbered })
}

/** Push the step's weight for `to` (`from` takes the rest) and record it; true when `from` is left with no weight. */
export async function setWeight(rollout: RolloutRun, index: number, weight: number): Promise<boolean> {
  const { session, plan } = rollout
  rollout.stepNumber++
  await rollout.runnerRecord.checkpoint()
  let weights: Weights | null = null
  const set = await setWeights(
    session,
    rollout.entity,
    rollout.opts.change,
    (current) => (weights = shiftWeights(current ?? { [plan.from]: 100 }, { to: plan.to, weight, from: plan.from })),
    { from: plan.from, to: plan.to, weight },
  )
  // The step's analysis window opens as soon as its weights are live: recording the step and
  // looking up who serves the entity take a second or more, and the canary's calls count from here.
  rollout.analysis?.begin()
  const freshAnalysis = rollout.record.analysis?.active
    ? { analysis: { ...(rollout.record.analysis as AnalysisRecord), judgements: [] } }
    : {}
  await rollout.runnerRecord.progress({
    step: index,
    setWeight: weight,
    ...(set.revision === undefined ? {} : { revision: set.revision }),
    observedWeight: undefined,
    observedShares: undefined,
    observedBy: undefined,
    gates: [],
    ...freshAnalysis,
  })
  // Live, but not everywhere (a leaf or a known server): said at every step; the next step pushes again.
  rollout.emit({
    type: 'step',
    step: rollout.stepNumber,
    steps: rollout.numbered,
    weight,
    ...(set.bypassed ? { message: set.warnings.at(-1) } : {}),
  })
  return !((weights as Weights | null)?.[plan.from] ?? 0)
}

/**
 * The wait after a step, counting the real calls of every version that serves the entity: the
 * observed weight is `to`'s share of them all. `judged`: the sequential judge's judgement of the wait.
 */
export async function waitAndObserve(
  rollout: RolloutRun,
  weight: number,
  alone: boolean,
): Promise<{ facts: StepFacts; judged?: Judgement }> {
  const key = entityKey(rollout.entity)
  const observer = rollout.observing?.observation
  if (observer) {
    const served = await servedEntity(rollout.session, rollout.entity)
    await observer.watch(served.watched, served.subscriptions)
  }
  observer?.take()
  const a = rollout.analysis
  let judged: Judgement | undefined
  if (a?.watches) judged = await watchStep(rollout, a, alone)
  else await rollout.runnerRecord.waitFor(rollout.plan.intervalMs)
  // From reports: each host's last report interval of the wait (the earlier ones may hold calls from before the step).
  // A service is not observed: its analysis counts the step's calls from the instances' stats.
  const fromStats = !observer && rollout.entity.kind === 'service' && a
  const shares = observer ? observedShares(observer.takeRates(1)[key] ?? {}) : fromStats ? a.shares() : {}
  const observed = shares[rollout.plan.to]
  const observedBy = observer?.source(key)?.by ?? (fromStats ? ('stats' as const) : undefined)
  if (observed !== undefined) {
    await rollout.runnerRecord.progress({
      observedWeight: observed,
      observedShares: shares,
      ...(observedBy ? { observedBy } : {}),
    })
    rollout.emit({
      type: 'observed',
      step: rollout.stepNumber,
      steps: rollout.numbered,
      weight,
      observed,
      shares,
      ...(observedBy ? { observedBy } : {}),
    })
  }
  return { facts: { step: rollout.stepNumber, steps: rollout.numbered, weight, observed, shares }, judged }
}

/**
 * Judge the step's real traffic until it passes `successes` times in a row. A Fail beyond the
 * failure limit rolls back; Inconclusive beyond its limit holds the rollout for promote (go on)
 * or abort. A dry run judges once, records, and acts on nothing. Returns the record when the
 * rollout ended here, undefined to go on with the gates (and when there is no analysis).
 * `judged`: the sequential judge's judgement of the first wait. One that ended its wait early
 * decides at once: a Fail rolls back, a Pass goes on.
 */
export async function judgeTraffic(
  rollout: RolloutRun,
  weight: number,
  alone: boolean,
  judged?: Judgement,
): Promise<RolloutRecord | undefined> {
  const a = rollout.analysis
  if (!a) return undefined
  const n = rollout.stepNumber
  const judgements: Judgement[] = []
  const tell = async (j: Judgement) => {
    judgements.push(j)
    await rollout.runnerRecord.progress({
      analysis: { ...(rollout.record.analysis as AnalysisRecord), judgements: judgements.slice(-10) },
    })
    rollout.emit({
      type: 'verdict',
      step: n,
      steps: rollout.numbered,
      weight,
      judgement: j,
      message: describeJudgement(j),
    })
  }
  let failures = 0
  let inconclusive = 0
  let passes = 0
  for (let round = 0; ; round++) {
    const j = round === 0 && judged ? judged : await judgeWait(rollout, a, alone, round)
    await tell(j)
    if (j.early) {
      if (j.outcome !== 'fail') return undefined
      return rollout.rollBack(`real-traffic analysis failed at step ${n}${sequentialNote(j)}: ${failedMetrics(j)}`, j)
    }
    if (a.plan.mode === 'dry-run') return undefined
    if (j.outcome === 'pass') {
      if (++passes >= a.plan.successes) return undefined
      continue
    }
    passes = 0
    if (j.outcome === 'fail') {
      if (++failures > a.plan.failureLimit)
        return rollout.rollBack(`real-traffic analysis failed at step ${n}${sequentialNote(j)}: ${failedMetrics(j)}`, j)
      continue
    }
    if (++inconclusive > a.plan.inconclusiveLimit) {
      const why = `analysis ${j.outcome === 'nodata' ? 'NODATA' : 'inconclusive'} at step ${n} after ${judgements.length} judgement${judgements.length === 1 ? '' : 's'}: ${undecided(j)}`
      await rollout.runnerRecord.progress({ phase: 'paused', promoteRequested: false, message: why })
      rollout.emit({
        type: 'paused',
        step: n,
        steps: rollout.numbered,
        message: `${why}; waiting for \`lattice rollout promote\` (go on) or \`lattice rollout abort\``,
      })
      await rollout.runnerRecord.waitFor(Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
      await rollout.runnerRecord.progress({ phase: 'running', promoteRequested: false, message: undefined })
      rollout.emit({ type: 'promoted', step: n, steps: rollout.numbered })
      return undefined
    }
  }
}

/** A further wait of the step (round > 0 follows another wait), judged as the plan says. */
async function judgeWait(rollout: RolloutRun, a: RolloutAnalysis, alone: boolean, round: number): Promise<Judgement> {
  if (a.watches) return watchStep(rollout, a, alone)
  if (round > 0) await rollout.runnerRecord.waitFor(rollout.plan.intervalMs)
  return a.judge(alone)
}

/** The step's gates, cut short by an abort or an interrupt; a failed one rolls back (the record is returned), else undefined to go on. */
export async function runGates(rollout: RolloutRun, facts: StepFacts): Promise<RolloutRecord | undefined> {
  const gates = await gatesUnlessStopped(rollout.session, rollout.plan, facts, () =>
    rollout.runnerRecord.checkpoint().then(
      () => false,
      () => true,
    ),
  )
  await rollout.runnerRecord.checkpoint() // a gate cut short by an abort or interrupt decides nothing
  await rollout.runnerRecord.progress({ gates })
  for (const gate of gates) rollout.emit({ type: 'gate', step: rollout.stepNumber, steps: rollout.numbered, gate })
  const failed = gates.find((g) => !g.pass)
  if (failed)
    return await rollout.rollBack(`the ${failed.gate} gate failed at step ${rollout.stepNumber}: ${failed.detail}`)
  return undefined
}
