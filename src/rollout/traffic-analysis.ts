/**
 * A rollout's real-traffic analysis: the hosts' metrics reports (src/analysis/collector.ts) over
 * one window, canary (`to`) against stable (`from`), judged per metric (src/analysis/judge.ts).
 * What the rollout does with a judgement (go on, roll back, hold) is decided in rollout-steps.ts.
 */
import type { CallCounter } from '../analysis/call-counter.js'
import { MetricsCollector, emptyWindow, sharesOf } from '../analysis/collector.js'
import { type MetricVerdict, type WindowMetrics, judge, overall, summarize } from '../analysis/judge.js'
import { SequentialJudge } from '../analysis/sequential-judge.js'
import type { AnalysisRecord, Judgement } from '../analysis/record.js'
import { sequentialNote, stopOf } from '../analysis/sequential-stop.js'
import { defaultAnalysis } from '../analysis/options.js'
import { LatticeError } from '../errors.js'
import { DEFAULT_METRICS_INTERVAL_MS } from '../host-core/metrics-report.js'
import type { AnalysisJudge, AnalysisPlan, RolloutPlan } from './plan/rollout-plan.js'
import { type EntityRef, entityLabel } from '../subjects/index.js'
import type { Session } from '../ops/session.js'
import type { Connection } from '../resolver/connection.js'
import { ServiceStatsCounter } from '../services/stats-counter.js'

export type { AnalysisRecord, Judgement }
export { sequentialNote }

/** The hosts' metrics reports of `entity`. */
async function hostCounter(app: Connection, lattice: string, entity: EntityRef): Promise<CallCounter> {
  const collector = new MetricsCollector(app, lattice)
  await collector.start()
  return collector.counter(entity)
}

/** A service's own stats, over the endpoints its rollout routes. */
async function serviceCounter(app: Connection, rollout: RolloutPlan): Promise<CallCounter> {
  const counter = new ServiceStatsCounter(app, rollout.entity.id, new Set(rollout.endpoints ?? []))
  await counter.start()
  return counter
}

type VerdictsOf = (canary: WindowMetrics, stable: WindowMetrics) => MetricVerdict[]

/** How long `auto` waits for a report naming the entity before deciding the hosts do not report. */
const DISCOVERY_MS = Number(process.env.LATTICE_ANALYSIS_DISCOVERY_MS) || 2.2 * DEFAULT_METRICS_INTERVAL_MS

export class RolloutAnalysis {
  private markedAt = Date.now()
  private sequential: SequentialJudge

  private constructor(
    readonly plan: AnalysisPlan,
    private readonly rollout: RolloutPlan,
    private readonly counter: CallCounter,
  ) {
    this.sequential = new SequentialJudge(plan.thresholds)
  }

  /**
   * Start collecting, or say why analysis is off. `auto` turns on when the entity's from or to
   * version has counts (hosts' reports; a service's own stats); `on` requires it (refused before
   * the first step otherwise).
   */
  static async start(
    session: Session,
    rollout: RolloutPlan,
  ): Promise<{ analysis?: RolloutAnalysis; record: AnalysisRecord }> {
    const plan = rollout.analysis ?? defaultAnalysis()
    const label = entityLabel(rollout.entity)
    const service = rollout.entity.kind === 'service'
    const source = service ? `the instances' stats ($SRV.STATS)` : "the hosts' metrics reports"
    const off = (note: string) => ({ record: { mode: plan.mode, active: false, note, judgements: [] } })
    if (plan.mode === 'off') return off('turned off (--no-analysis)')
    if (!session.app) {
      if (plan.mode === 'auto') return off(`needs --app-creds to read ${source}`)
      throw new LatticeError(
        'NO_APP_CREDS',
        `Real-traffic analysis reads ${source}: pass --app-creds (LATTICE_APP_CREDS).`,
        {
          hint: 'Or turn it off with --no-analysis.',
        },
      )
    }
    const counter = service
      ? await serviceCounter(session.app, rollout)
      : await hostCounter(session.app, session.lattice, rollout.entity)
    const deadline = Date.now() + DISCOVERY_MS
    const counting = () => [rollout.from, rollout.to].some((v) => counter.versions().has(v))
    while (!counting() && Date.now() < deadline) await counter.next(deadline - Date.now())
    if (!counting()) {
      counter.stop()
      const none = service
        ? `no instance of ${label} (${rollout.from} or ${rollout.to}) answers $SRV.STATS`
        : `no host reports metrics for ${label} (${rollout.from} or ${rollout.to})`
      if (plan.mode === 'auto') return off(`${none}; judged by the gates alone`)
      throw new LatticeError(
        'NO_METRICS',
        `${none.replace(/^no/, 'No')} in lattice ${session.lattice}: the analysis has nothing to judge.`,
        {
          hint: service
            ? 'Start the versions with the services framework (every instance answers $SRV.STATS), or turn analysis off with --no-analysis.'
            : 'Run the versions on hosts built with host-core (metrics are on by default), or turn analysis off with --no-analysis.',
        },
      )
    }
    const analysis = new RolloutAnalysis(plan, rollout, counter)
    return { analysis, record: { mode: plan.mode, active: true, judgements: [] } }
  }

  /** Does the sequential judge watch the steps? A dry run does not (it acts on nothing). */
  get watches(): boolean {
    return this.plan.judge === 'sequential' && this.plan.mode !== 'dry-run'
  }

  /** Start a window now (a step starts): for the sequential judge, one test for the whole step. */
  begin(): void {
    this.counter.begin()
    this.markedAt = Date.now()
    this.sequential = new SequentialJudge(this.plan.thresholds)
  }

  /**
   * The fixed judge: judge the window since begin() (after the next report, so the last
   * moments count), then start the next window. `alone`: the stable version has no weight at this step.
   */
  async judge(alone: boolean): Promise<Judgement> {
    await this.counter.next(2 * this.counter.intervalMs)
    const windows = this.counter.window()
    const windowMs = Date.now() - this.markedAt
    this.begin()
    return this.judgement(windows, windowMs, alone, 'fixed', (c, s) => judge(c, s, this.plan.thresholds))
  }

  /**
   * The sequential judge's look at the window since begin() as it is now (the latest counts;
   * the window goes on for the whole step, so a further wait of the step adds to the evidence).
   * Cumulative counters: a host that reported late or lost a report counts all its calls at its
   * next one. Marked `early`: if it decides, it ends the wait.
   */
  look(alone: boolean, sequential = this.sequential): Judgement {
    const j = {
      ...this.judgement(this.counter.window(), Date.now() - this.markedAt, alone, 'sequential', (c, s) =>
        sequential.look(c, s),
      ),
      early: true as const,
    }
    const stop = stopOf(j)
    return stop ? { ...j, stop } : j
  }

  /** The sequential judge's judgement concluding a wait (after the next report); the step's window goes on. A Fail carries its stop. */
  async conclude(alone: boolean): Promise<Judgement> {
    await this.counter.next(2 * this.counter.intervalMs)
    const j = this.judgement(this.counter.window(), Date.now() - this.markedAt, alone, 'sequential', (c, s) =>
      this.sequential.conclude(c, s),
    )
    const stop = stopOf(j)
    return stop ? { ...j, stop } : j
  }

  /** Each version's share of the calls counted since begin(), in percent (empty without calls): a service's observed weight. */
  shares(): Record<string, number> {
    return sharesOf(new Map([...this.counter.window()].filter(([, w]) => w.calls > 0)))
  }

  /** Resolves at the next report (or stats) from any instance, or after `ms`. */
  nextReport(ms: number): Promise<void> {
    return this.counter.next(ms)
  }

  private judgement(
    windows: Map<string, WindowMetrics>,
    windowMs: number,
    alone: boolean,
    made: AnalysisJudge,
    verdictsOf: VerdictsOf,
  ): Judgement {
    const canary = windows.get(this.rollout.to) ?? emptyWindow()
    // With no stable traffic there is nothing to compare with: the canary against itself leaves
    // only its own limits (error maximum, p95/p99 maxima, NODATA) able to fail.
    const stable = alone ? canary : (windows.get(this.rollout.from) ?? emptyWindow())
    const verdicts = verdictsOf(canary, stable)
    const versions = Object.fromEntries(
      [...windows]
        .filter(([v, w]) => w.calls > 0 || v === this.rollout.to || v === this.rollout.from)
        .map(([v, w]) => [v, summarize(w)]),
    )
    for (const v of [this.rollout.from, this.rollout.to]) versions[v] ??= summarize(emptyWindow())
    return {
      time: new Date().toISOString(),
      windowMs,
      versions,
      verdicts,
      outcome: overall(verdicts),
      judge: made,
      ...(alone ? { alone: true } : {}),
    }
  }

  stop(): void {
    this.counter.stop()
  }
}

/** One line for a judgement: the outcome, then each metric with its figures. */
export function describeJudgement(j: Judgement): string {
  const metrics = j.verdicts.map(
    (v) => `${v.metric} ${v.outcome.toUpperCase()}${v.critical ? '' : ' (not critical)'}: ${v.summary}`,
  )
  return `${j.outcome.toUpperCase()}${sequentialNote(j)}${j.alone ? ' (canary alone: the stable version has no weight)' : ''}; ${metrics.join('; ')}`
}

/** The failed critical metrics with their figures: the reason a rollback gives. */
export const failedMetrics = (j: Judgement) =>
  j.verdicts
    .filter((v) => v.outcome === 'fail' && v.critical)
    .map((v) => `${v.metric}: ${v.summary}`)
    .join('; ')

/** The metrics that did not pass, with their figures: the reason a hold gives. */
export const undecided = (j: Judgement) =>
  j.verdicts
    .filter((v) => v.outcome !== 'pass')
    .map((v) => `${v.metric}: ${v.summary}`)
    .join('; ')
