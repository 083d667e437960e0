/**
 * The analysis settings of a rollout, from flags (`--analysis-min-calls 50`) or from a spec's
 * `rollouts[].analysis` (`minCalls: 50`): one list of settings, one check, so both say the same.
 */
import { LatticeError } from '../errors.js'
import {
  ANALYSIS_JUDGES,
  type AnalysisJudge,
  type AnalysisPlan,
  type AnalysisThresholds,
  type MetricName,
} from '../rollout/plan/rollout-plan.js'
import { DEFAULT_THRESHOLDS } from './judge.js'

export const ANALYSIS_MODES = ['auto', 'on', 'off', 'dry-run'] as const
export const METRIC_NAMES: readonly MetricName[] = ['error-rate', 'latency', 'p95', 'p99']

export const ANALYSIS_DEFAULTS = { failureLimit: 0, inconclusiveLimit: 2, successes: 1 }

/**
 * The sequential judge's default confidence: a false rollback over a whole step stays below 1%
 * (it may look after every report; the fixed judge, which looks once, keeps 0.95).
 */
export const SEQUENTIAL_CONFIDENCE = 0.99

/** The default of each setting, as a person would write it (for help texts). */
export const SETTING_DEFAULTS: Partial<Record<AnalysisSetting, string>> = {
  minCalls: String(DEFAULT_THRESHOLDS.minCalls),
  confidence: `${SEQUENTIAL_CONFIDENCE} (sequential judge), ${DEFAULT_THRESHOLDS.confidence} (fixed)`,
  maxErrorRate: String(DEFAULT_THRESHOLDS.maxErrorRate),
  errorTolerance: String(DEFAULT_THRESHOLDS.errorTolerance),
  latencyTolerance: '20%',
  latencyFloorMs: String(DEFAULT_THRESHOLDS.latencyFloorMs),
  effectFloor: String(DEFAULT_THRESHOLDS.effectFloor),
  critical: 'all',
  failureLimit: String(ANALYSIS_DEFAULTS.failureLimit),
  inconclusiveLimit: String(ANALYSIS_DEFAULTS.inconclusiveLimit),
  successes: String(ANALYSIS_DEFAULTS.successes),
}

/** Spec key -> what it is; the flag is `--analysis-` + the key in kebab case. */
export const ANALYSIS_SETTINGS = {
  minCalls: 'Fewer calls of either version in a window: NODATA (never a pass).',
  confidence: 'Confidence of the tests and intervals, 0.5 to 0.999.',
  maxErrorRate: 'Most errors allowed for the canary, in percent of its calls.',
  errorTolerance: 'Percentage points of errors the canary may have above the stable version.',
  latencyTolerance: 'How much slower the canary may be: "20%" of the stable median, or "5ms".',
  latencyFloorMs: 'A latency shift below this many ms never fails (host timing noise).',
  effectFloor: "Cliff's delta (0 to 1) below which a latency shift is negligible.",
  maxP95Ms: 'Slowest p95 allowed for the canary, in ms.',
  maxP99Ms: 'Slowest p99 allowed for the canary, in ms.',
  critical: 'Metrics whose Fail rolls back (comma-separated: error-rate,latency,p95,p99).',
  failureLimit: 'Failed judgements a step may have before rolling back.',
  inconclusiveLimit: 'Inconclusive judgements (NODATA too) a step may have before holding for promote or abort.',
  successes: 'Consecutive passing judgements a step needs.',
} as const

export type AnalysisSetting = keyof typeof ANALYSIS_SETTINGS
export type AnalysisInput = Partial<Record<AnalysisSetting, string | number | string[]>> & {
  mode?: string
  /** fixed (the default) or sequential. */
  judge?: string
  earlyPromote?: boolean
}

export const flagName = (key: AnalysisSetting) => `--analysis-${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`

/** Check every setting; `where` names a setting in errors (a flag or a spec path). */
export function analysisPlan(
  input: AnalysisInput,
  where: (key: AnalysisSetting | 'mode' | 'judge' | 'earlyPromote') => string,
): AnalysisPlan {
  const bad = (
    key: AnalysisSetting | 'mode' | 'judge' | 'earlyPromote',
    value: unknown,
    must: string,
    example: string,
  ) =>
    new LatticeError('INVALID_ROLLOUT', `${where(key)} ${JSON.stringify(value)} ${must}.`, {
      hint: `For example ${example}.`,
    })
  const num = (key: AnalysisSetting, min: number, max: number, integer = false): number | undefined => {
    const raw = input[key]
    if (raw === undefined) return undefined
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
    if (
      typeof raw === 'object' ||
      String(raw).trim() === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      throw bad(
        key,
        raw,
        `is not a ${integer ? 'whole ' : ''}number from ${min} to ${max}`,
        `${where(key)} ${integer ? min + 1 : (min + max) / 2}`,
      )
    }
    return n
  }
  const mode = input.mode ?? 'auto'
  if (!(ANALYSIS_MODES as readonly string[]).includes(mode))
    throw bad('mode', mode, `is not one of ${ANALYSIS_MODES.join(', ')}`, `${where('mode')} dry-run`)
  const t: AnalysisThresholds = { ...DEFAULT_THRESHOLDS, critical: [...DEFAULT_THRESHOLDS.critical] }
  const set = <K extends keyof AnalysisThresholds>(k: K, v: AnalysisThresholds[K] | undefined) => {
    if (v !== undefined) t[k] = v
  }
  set('minCalls', num('minCalls', 1, 1e9, true))
  set('confidence', num('confidence', 0.5, 0.999))
  set('maxErrorRate', num('maxErrorRate', 0, 100))
  set('errorTolerance', num('errorTolerance', 0, 100))
  set('latencyFloorMs', num('latencyFloorMs', 0, 1e6))
  set('effectFloor', num('effectFloor', 0, 1))
  set('maxP95Ms', num('maxP95Ms', 0.01, 1e7))
  set('maxP99Ms', num('maxP99Ms', 0.01, 1e7))
  if (input.latencyTolerance !== undefined) {
    const raw = String(input.latencyTolerance).trim()
    const m = /^(\d+(?:\.\d+)?)\s*(%|ms)$/.exec(raw)
    if (!m)
      throw bad(
        'latencyTolerance',
        input.latencyTolerance,
        'is neither a percent nor milliseconds',
        `${where('latencyTolerance')} 20% or 5ms`,
      )
    t.latencyTolerance = m[2] === '%' ? { percent: Number(m[1]) } : { ms: Number(m[1]) }
  }
  if (input.critical !== undefined) {
    const names = (Array.isArray(input.critical) ? input.critical : String(input.critical).split(','))
      .map((s) => String(s).trim())
      .filter(Boolean)
    const unknown = names.find((n) => !(METRIC_NAMES as readonly string[]).includes(n))
    if (unknown !== undefined)
      throw bad(
        'critical',
        unknown,
        `is not a metric (${METRIC_NAMES.join(', ')})`,
        `${where('critical')} error-rate,latency`,
      )
    t.critical = names as MetricName[]
  }
  const judge = input.judge ?? 'sequential'
  if (!(ANALYSIS_JUDGES as readonly string[]).includes(judge))
    throw bad('judge', judge, `is not one of ${ANALYSIS_JUDGES.join(', ')}`, `${where('judge')} sequential`)
  if (input.earlyPromote && judge !== 'sequential')
    throw bad('earlyPromote', true, `needs ${where('judge')} sequential`, `${where('judge')} sequential`)
  if (input.confidence === undefined && judge === 'sequential') t.confidence = SEQUENTIAL_CONFIDENCE
  return {
    mode: mode as AnalysisPlan['mode'],
    thresholds: t,
    failureLimit: num('failureLimit', 0, 1000, true) ?? ANALYSIS_DEFAULTS.failureLimit,
    inconclusiveLimit: num('inconclusiveLimit', 0, 1000, true) ?? ANALYSIS_DEFAULTS.inconclusiveLimit,
    successes: num('successes', 1, 1000, true) ?? ANALYSIS_DEFAULTS.successes,
    judge: judge as AnalysisJudge,
    ...(input.earlyPromote ? { earlyPromote: true } : {}),
  }
}

/** The analysis of a plan that says nothing about it. */
export const defaultAnalysis = (): AnalysisPlan => analysisPlan({}, (k) => k)
