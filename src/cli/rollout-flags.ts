/** The command line of `rollout actor|provider|component`: its description, its flags, and the plan they describe. */
import { Flags, type Interfaces } from '@oclif/core'
import {
  ANALYSIS_SETTINGS,
  type AnalysisInput,
  type AnalysisSetting,
  SETTING_DEFAULTS,
  analysisPlan,
  flagName,
} from '../analysis/options.js'
import { LatticeError } from '../errors.js'
import { ANALYSIS_JUDGES } from '../rollout/plan/rollout-plan.js'
import { parseDuration } from '../plan/duration.js'
import { parseWeight } from '../plan/weights.js'
import { checkEntityVersion } from '../ops/entity.js'
import { PROMETHEUS_DEFAULTS, WEBHOOK_DEFAULTS, checkHttpUrl, checkQuery, parseCondition } from '../plan/gate-config.js'
import { type PrometheusGate, type RolloutPlan, parseSteps, validatePlan } from '../rollout/plan/rollout-plan.js'
import { DEFAULT_INTERVAL, DEFAULT_STEPS, PROBE_DEFAULTS } from '../spec/rollouts.js'
import type { EntityRef } from '../subjects/index.js'
import { appFlags, connectionFlags, observeFlags, safetyFlags, signingFlags } from './base.js'

export const ROLLOUT_DESCRIPTION = `Shifts traffic from --from to --to in --steps, waiting --interval after each. Real-traffic analysis then judges the canary (--to) against the stable version (--from) from the calls their hosts report (host-core publishes per-version metrics): error rate, latency (a rank test with a Hodges-Lehmann interval), optional p95/p99 maxima. A Fail rolls back; Inconclusive or NODATA past --analysis-inconclusive-limit holds for \`rollout promote\` or \`abort\`. It is on whenever the hosts report metrics; --no-analysis turns it off, --analysis-dry-run records verdicts and acts on none. See docs/analysis.md.
Then the gates decide: a probe (--probe-payload: requests sent to each version's versioned subject; error rate and p95 within the limits and not worse than --from by more than the margins), --gate-cmd (run with the step in LATTICE_ROLLOUT_* env vars; exit 0 passes), --gate-webhook (the step's context POSTed as JSON; a 2xx answer passes) and --gate-prometheus (--prometheus-query must meet --prometheus-condition).
Every event is published on lattice.rollout.<lattice>.<event> (as the state user) and POSTed to each --notify URL, in the background.
A "pause" step waits for \`lattice rollout promote\`. A failed gate, \`lattice rollout abort\` from any terminal, or SIGINT/SIGTERM (unless --on-interrupt hold) puts the stable weights back in one push and exits ${10}.
Needs --state-creds (progress is kept server-side) and, for probes and the observed weight, --app-creds.`

/** What running any rollout needs: where, who, what to do on an interrupt, and the safety gates. */
export const runnerFlags = {
  ...connectionFlags,
  ...appFlags,
  ...observeFlags,
  ...signingFlags,
  notify: Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    summary:
      'POST every rollout event as JSON to this URL (repeatable); delivered in the background, never delaying the rollout.',
  }),
  'on-interrupt': Flags.string({
    options: ['abort', 'hold'],
    default: 'abort',
    summary: 'On SIGINT/SIGTERM: put the stable weights back (abort) or leave the weights as they are (hold).',
  }),
  ...safetyFlags,
}

export const rolloutFlags = {
  ...runnerFlags,
  from: Flags.string({ summary: 'The stable version (what an abort goes back to).', required: true }),
  to: Flags.string({ summary: 'The new version.', required: true }),
  steps: Flags.string({
    summary: 'Percent for --to at each step; "pause" waits for `rollout promote`.',
    default: DEFAULT_STEPS.join(','),
  }),
  interval: Flags.string({
    summary: 'Wait after each step before the gates decide (500ms, 30s, 5m).',
    default: DEFAULT_INTERVAL,
  }),
  'probe-payload': Flags.string({
    summary: 'Turns on the probe gate: the request body sent to each version.',
    helpGroup: 'GATES',
  }),
  'probe-count': Flags.integer({
    min: 1,
    default: PROBE_DEFAULTS.count,
    summary: 'Probe requests per version per step.',
    helpGroup: 'GATES',
  }),
  'probe-timeout': Flags.string({
    default: PROBE_DEFAULTS.timeout,
    summary: 'Timeout of one probe request.',
    helpGroup: 'GATES',
  }),
  'max-error-rate': Flags.string({
    default: String(PROBE_DEFAULTS.maxErrorRate),
    summary: 'Most probe errors allowed, in percent.',
    helpGroup: 'GATES',
  }),
  'max-p95-ms': Flags.integer({ min: 1, summary: 'Slowest p95 probe latency allowed, in ms.', helpGroup: 'GATES' }),
  'error-margin': Flags.string({
    default: String(PROBE_DEFAULTS.errorMargin),
    summary: 'How many percentage points more errors than --from the new version may have.',
    helpGroup: 'GATES',
  }),
  'latency-margin-ms': Flags.integer({
    min: 0,
    default: PROBE_DEFAULTS.latencyMarginMs,
    summary: 'How many ms slower (p95) than --from the new version may be.',
    helpGroup: 'GATES',
  }),
  'gate-cmd': Flags.string({
    summary: 'A command run after each wait (sh -c) with LATTICE_ROLLOUT_* in its environment; exit 0 passes.',
    helpGroup: 'GATES',
  }),
  'gate-webhook': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    summary: "POST the step's context as JSON to this URL after each wait (repeatable); a 2xx answer passes.",
    helpGroup: 'GATES',
  }),
  'webhook-timeout': Flags.string({
    default: WEBHOOK_DEFAULTS.timeout,
    summary: 'How long a --gate-webhook may take to answer before it fails.',
    helpGroup: 'GATES',
  }),
  'gate-prometheus': Flags.string({
    summary: 'Turns on the Prometheus gate: the server URL (http://prometheus:9090).',
    helpGroup: 'GATES',
  }),
  'prometheus-query': Flags.string({
    summary: 'PromQL instant query; {{lattice}} {{id}} {{link}} {{from}} {{to}} are filled in.',
    helpGroup: 'GATES',
  }),
  'prometheus-condition': Flags.string({
    summary: 'What every sample must meet: an operator (< <= > >= == !=) and a number, e.g. "< 0.05".',
    helpGroup: 'GATES',
  }),
  'prometheus-count': Flags.integer({
    min: 1,
    default: PROMETHEUS_DEFAULTS.count,
    summary: 'Measurements (queries) per step.',
    helpGroup: 'GATES',
  }),
  'prometheus-interval': Flags.string({
    default: PROMETHEUS_DEFAULTS.interval,
    summary: 'Time between two measurements.',
    helpGroup: 'GATES',
  }),
  'prometheus-failure-limit': Flags.integer({
    min: 0,
    default: PROMETHEUS_DEFAULTS.failureLimit,
    summary: 'Failed measurements allowed before the gate fails (no data and errors count as failed).',
    helpGroup: 'GATES',
  }),
  ...analysisFlags(),
}

/** --analysis / --no-analysis, --analysis-dry-run, and one --analysis-* flag per setting. */
function analysisFlags() {
  const settings = Object.fromEntries(
    (Object.entries(ANALYSIS_SETTINGS) as [AnalysisSetting, string][]).map(([key, summary]) => [
      flagName(key).slice(2),
      Flags.string({
        summary: SETTING_DEFAULTS[key] ? `${summary} Default ${SETTING_DEFAULTS[key]}.` : summary,
        helpGroup: 'ANALYSIS',
      }),
    ]),
  ) as Record<string, Interfaces.OptionFlag<string | undefined>>
  return {
    analysis: Flags.boolean({
      allowNo: true,
      helpGroup: 'ANALYSIS',
      summary:
        'Judge each step from the real traffic the hosts report (default: on when they report metrics). --no-analysis: off.',
    }),
    'analysis-dry-run': Flags.boolean({
      helpGroup: 'ANALYSIS',
      summary: 'Judge and record every step, act on no verdict.',
    }),
    'analysis-judge': Flags.string({
      options: [...ANALYSIS_JUDGES],
      helpGroup: 'ANALYSIS',
      summary:
        'sequential: judge after every report with anytime-valid tests (α split between the critical metrics), a Fail rolls back at once, the end of the wait is judged by the same tests. fixed: judge once, at the end of each wait. Default sequential.',
    }),
    'early-promote': Flags.boolean({
      helpGroup: 'ANALYSIS',
      summary: 'A Pass of every critical metric ends the step early (sequential judge).',
    }),
    ...settings,
  }
}

function analysisFromFlags(flags: Record<string, unknown>): RolloutPlan['analysis'] {
  if (flags.analysis === false && flags['analysis-dry-run'])
    throw new LatticeError('INVALID_ROLLOUT', '--no-analysis and --analysis-dry-run contradict each other.', {
      hint: 'Keep one.',
    })
  const mode = flags['analysis-dry-run']
    ? 'dry-run'
    : flags.analysis === true
      ? 'on'
      : flags.analysis === false
        ? 'off'
        : 'auto'
  const input: AnalysisInput = {
    mode,
    ...(typeof flags['analysis-judge'] === 'string' ? { judge: flags['analysis-judge'] } : {}),
    ...(flags['early-promote'] ? { earlyPromote: true } : {}),
  }
  for (const key of Object.keys(ANALYSIS_SETTINGS) as AnalysisSetting[]) {
    const v = flags[flagName(key).slice(2)]
    if (typeof v === 'string') input[key] = v
  }
  const names: Record<string, string> = {
    mode: '--analysis',
    judge: '--analysis-judge',
    earlyPromote: '--early-promote',
  }
  return analysisPlan(input, (k) => names[k] ?? flagName(k as AnalysisSetting))
}

function percentFlag(text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n < 0 || n > 100)
    throw new LatticeError('INVALID_ROLLOUT', `${flag} "${text}" is not a percentage from 0 to 100.`, {
      hint: `For example ${flag} 1.`,
    })
  return n
}

export function planFromFlags(entity: EntityRef, flags: Interfaces.InferredFlags<typeof rolloutFlags>): RolloutPlan {
  const plan: RolloutPlan = {
    entity,
    from: checkEntityVersion(entity, '--from', flags.from),
    to: checkEntityVersion(entity, '--to', flags.to),
    steps: parseSteps(flags.steps).map((s) => (s === 'pause' ? s : parseWeight(String(s), '--steps'))),
    intervalMs: parseDuration(flags.interval, '--interval'),
    ...(flags['probe-payload'] !== undefined
      ? {
          probe: {
            payload: flags['probe-payload'],
            count: flags['probe-count'],
            timeoutMs: parseDuration(flags['probe-timeout'], '--probe-timeout'),
            maxErrorRate: percentFlag(flags['max-error-rate'], '--max-error-rate'),
            ...(flags['max-p95-ms'] ? { maxP95Ms: flags['max-p95-ms'] } : {}),
            errorMargin: percentFlag(flags['error-margin'], '--error-margin'),
            latencyMarginMs: flags['latency-margin-ms'],
          },
        }
      : {}),
    ...(flags['gate-cmd'] ? { gateCmd: flags['gate-cmd'] } : {}),
    ...(flags['gate-webhook']?.length
      ? {
          webhooks: flags['gate-webhook'].map((url) => ({
            url: checkHttpUrl(url, '--gate-webhook'),
            timeoutMs: parseDuration(flags['webhook-timeout'], '--webhook-timeout'),
          })),
        }
      : {}),
    ...prometheusFromFlags(flags),
    ...(flags.notify?.length ? { notify: flags.notify.map((url) => checkHttpUrl(url, '--notify')) } : {}),
    analysis: analysisFromFlags(flags),
  }
  validatePlan(plan)
  return plan
}

function prometheusFromFlags(flags: Interfaces.InferredFlags<typeof rolloutFlags>): { prometheus?: PrometheusGate } {
  const url = flags['gate-prometheus']
  const query = flags['prometheus-query']
  const condition = flags['prometheus-condition']
  if (url === undefined) {
    if (query !== undefined || condition !== undefined)
      throw new LatticeError(
        'INVALID_ROLLOUT',
        `${query !== undefined ? '--prometheus-query' : '--prometheus-condition'} needs --gate-prometheus (the server's URL).`,
        { hint: 'For example --gate-prometheus http://prometheus:9090.' },
      )
    return {}
  }
  if (query === undefined || condition === undefined)
    throw new LatticeError(
      'INVALID_ROLLOUT',
      `--gate-prometheus needs ${query === undefined ? '--prometheus-query' : '--prometheus-condition'}.`,
      {
        hint: `For example --prometheus-query 'sum(rate(errors_total{version="{{to}}"}[1m]))' --prometheus-condition '< 0.05'.`,
      },
    )
  parseCondition(condition, '--prometheus-condition')
  return {
    prometheus: {
      url: checkHttpUrl(url, '--gate-prometheus'),
      query: checkQuery(query, '--prometheus-query'),
      condition,
      count: flags['prometheus-count'],
      intervalMs: parseDuration(flags['prometheus-interval'], '--prometheus-interval'),
      failureLimit: flags['prometheus-failure-limit'],
    },
  }
}
