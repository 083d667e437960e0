/**
 * The sequential judge's power and false fails over many steps, from the unit tests' seeded
 * simulations (test/helpers/sequential-simulation.ts), at the α each metric gets in the real runs
 * of bench/sequential.ts. BENCH_SEQ_SIM_STEPS sets the steps per error-rate case.
 */
import { DEFAULT_THRESHOLDS } from '../src/analysis/judge.js'
import { LATENCY_BOUNDS_MS } from '../src/host-core/metrics-report.js'
import { normalCdf } from '../src/stats/distributions.js'
import {
  bernoulliKl,
  errorRateCallsNeeded,
  errorRateMinimumCalls,
  minimumCalls,
} from '../src/stats/sequential-error-rate.js'
import { describeRate, seededRandom } from '../test/helpers/seeded-random.js'
import {
  SIMULATED_MEDIAN_MS,
  type SimulatedStep,
  simulateErrorRateStep,
  simulateLatencyStep,
} from '../test/helpers/sequential-simulation.js'
import { type Section, median } from './common.js'

/** The bench's rollouts run at --analysis-confidence 0.99 (α = 1%): half of α for each of error rate and latency. */
export const CONFIDENCE = 0.99
export const ALPHA = Number(((1 - CONFIDENCE) / 2).toPrecision(6))

const STEPS = Number(process.env.BENCH_SEQ_SIM_STEPS ?? 300)
const RATES = [100, 1000]
const STABLE_RATE = 0.1 // percent of the stable's calls that fail
const ERROR_OPTIONS = {
  alpha: ALPHA,
  tolerancePp: DEFAULT_THRESHOLDS.errorTolerance,
  maxErrorRate: DEFAULT_THRESHOLDS.maxErrorRate,
}

/** The simulated stable's share above its median's bucket bound c (lognormal, σ 0.5). */
const C = LATENCY_BOUNDS_MS.find((b) => b >= SIMULATED_MEDIAN_MS) ?? SIMULATED_MEDIAN_MS
const STABLE_ABOVE_C = 1 - normalCdf(Math.log(C / SIMULATED_MEDIAN_MS) / 0.5)

/** Canary calls the sequential test needs at this effect (its own boundary) and the oracle's minimum (docs/analysis.md). */
export interface Needs {
  need: number
  oracle: number
}

/** A canary failing `percent` of its calls against a stable failing `stablePercent`, at 10% weight. */
export const errorRateNeeds = (percent: number, stablePercent: number): Needs => ({
  need: errorRateCallsNeeded({ canaryRate: percent, stableRate: stablePercent, weight: 0.1 }, ERROR_OPTIONS),
  oracle: errorRateMinimumCalls({ canaryRate: percent, stableRate: stablePercent }, ERROR_OPTIONS),
})

/** A canary whose every call lies above c + T, against a stable with `stableAbove` of its calls above c. */
export const latencyNeeds = (stableAbove: number): Needs => ({
  need: errorRateCallsNeeded(
    { canaryRate: 100, stableRate: 100 * stableAbove, weight: 0.1 },
    { alpha: ALPHA, tolerancePp: 0 },
  ),
  oracle: minimumCalls(ALPHA, bernoulliKl(1 - 1e-12, stableAbove)),
})

interface Case extends Needs {
  name: string
  steps: (rate: number) => number
  step: (rng: ReturnType<typeof seededRandom>, rate: number) => SimulatedStep
}

const errorCase = (percent: number): Case => ({
  name: `fails ${percent}% of calls`,
  steps: () => STEPS,
  step: (rng, rate) =>
    simulateErrorRateStep(
      rng,
      { canaryRate: percent / 100, stableRate: STABLE_RATE / 100, callsPerSecond: rate },
      ERROR_OPTIONS,
    ),
  ...errorRateNeeds(percent, STABLE_RATE),
})

const CASES: Case[] = [
  errorCase(20),
  errorCase(5),
  {
    name: '50 ms slower',
    // Histograms of 1,000 calls a second cost more to simulate.
    steps: (rate) => Math.ceil((rate > 100 ? STEPS / 6 : STEPS) * (2 / 3)),
    step: (rng, rate) => simulateLatencyStep(rng, 50, rate, ALPHA),
    ...latencyNeeds(STABLE_ABOVE_C),
  },
]

export function simulatedPower(): Section {
  const rows: string[][] = []
  for (const [i, c] of CASES.entries())
    for (const rate of RATES) {
      const rng = seededRandom(3200 + 10 * i + rate)
      const caught = Array.from({ length: c.steps(rate) }, () => c.step(rng, rate)).filter((s) => s.verdict === 'fail')
      rows.push([
        `canary ${c.name}`,
        String(rate),
        describeRate(caught.length, c.steps(rate)),
        String(median(caught.map((s) => s.second)) ?? '-'),
        String(median(caught.map((s) => s.canaryCalls)) ?? '-'),
        String(c.need),
        c.oracle.toFixed(1),
      ])
    }
  return {
    title: 'Sequential judge: power (simulated)',
    method: `The share of bad canaries the sequential judge fails within one 60 s step, from the seeded simulations the unit tests run (test/helpers/sequential-simulation.ts): a report a second of 0.5 to 1.5 times the call rate, one in ten lost, 10% of the calls to the canary, the stable failing ${STABLE_RATE}% of its calls (error rate) or lognormal with median ${SIMULATED_MEDIAN_MS} ms (latency: canary calls counted from the freeze, at the first report), α = ${ALPHA} per metric as in the real runs. Canary calls in the medians and the test's need are those since the step began (latency: since the freeze). The real runs in "time to protect" say in "stopped by" whether each bad canary was caught within its step.`,
    headers: [
      'canary',
      'calls/s',
      'caught within the step (95% CI)',
      'median s',
      'median canary calls',
      "test's need",
      'oracle minimum',
    ],
    rows,
    checks: [],
  }
}

/** Equal canaries (A/A) simulated at this α: error rate (stable at 0.1%, 1%, 5%; 100 and 1,000 calls/s) and latency. */
export function simulatedFalseFails(): { what: string; steps: number; fails: number }[] {
  const rng = seededRandom(3232)
  const errorSteps = 10 * STEPS
  let errorFails = 0
  for (let i = 0; i < errorSteps; i++) {
    const rate = [0.001, 0.01, 0.05][i % 3]
    const s = { canaryRate: rate, stableRate: rate, callsPerSecond: i % 2 ? 100 : 1000 }
    if (simulateErrorRateStep(rng, s, ERROR_OPTIONS).verdict === 'fail') errorFails++
  }
  const latencySteps = Math.ceil((8 / 3) * STEPS)
  let latencyFails = 0
  for (let i = 0; i < latencySteps; i++) if (simulateLatencyStep(rng, 0, 100, ALPHA).verdict === 'fail') latencyFails++
  return [
    { what: 'simulated, error rate, 100 and 1,000 calls/s', steps: errorSteps, fails: errorFails },
    { what: 'simulated, latency, 100 calls/s', steps: latencySteps, fails: latencyFails },
  ]
}
