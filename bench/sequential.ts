/**
 * The sequential judge against the fixed one (issue #32), end to end: a real nats-server in
 * operator mode, real host-core hosts serving v1 (stable) and v2 (canary), callers on the
 * unversioned subject, and the real CLI (`lattice rollout actor ... --json`).
 * - Time to protect: from the canary's first bad call (its first call: it is bad from the step's
 *   push on) to the `rolled-back` event, which the runner emits after the stable weights' push
 *   was acknowledged and read back by every server (weight-pushes.ts restoreStable, change-push.ts).
 * - False rollbacks: rollouts of an identical canary, counting steps that ended in a Fail.
 * BENCH_SEQ_RATES, BENCH_SEQ_FIXED_RATES (fixed runs take a 60 s interval each),
 * BENCH_SEQ_AA_RATES, BENCH_SEQ_AA_STEPS and BENCH_SEQ_AA_MIN choose what runs.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_THRESHOLDS } from '../src/analysis/judge.js'
import type { Host } from '../src/host-core/index.js'
import { LATENCY_BOUNDS_MS } from '../src/host-core/metrics-report.js'
import type { RolloutEvent } from '../src/rollout/rollout-event.js'
import { exceedanceCounts, latencyThresholds } from '../src/stats/sequential-latency.js'
import { lattice } from '../test/helpers/cli.js'
import { newActorId } from '../test/helpers/ids.js'
import { clopperPearson, describeRate, seededRandom } from '../test/helpers/seeded-random.js'
import { SIMULATED_MEDIAN_MS } from '../test/helpers/sequential-simulation.js'
import { type LatticeFixture, startTestLattice } from '../test/helpers/test-lattice.js'
import type { Section } from './common.js'
import {
  ALPHA,
  CONFIDENCE,
  type Needs,
  errorRateNeeds,
  latencyNeeds,
  simulatedFalseFails,
  simulatedPower,
} from './sequential-power.js'

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number)
const RATES = list('BENCH_SEQ_RATES', '100,1000')
const FIXED_RATES = list('BENCH_SEQ_FIXED_RATES', '100')
const AA_RATES = list('BENCH_SEQ_AA_RATES', '100,1000')
const AA_STEPS = process.env.BENCH_SEQ_AA_STEPS ?? '10,20,30,40,50,60,70,80,90,95'
const AA_MIN = Number(process.env.BENCH_SEQ_AA_MIN ?? 20)

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-')

interface Effect {
  name: string
  failEvery?: number
  slowerMs?: number
}
const EFFECTS: Effect[] = [
  { name: 'fails 20% of calls', failEvery: 5 },
  { name: 'fails 5% of calls', failEvery: 20 },
  { name: '50 ms slower', slowerMs: 50 },
]

/** What the canary's handler saw (ms since the epoch): its first (and first bad) call, its last. */
interface CanaryLog {
  calls: number
  first?: number
  last?: number
}

const rng = seededRandom(32)
/** A call's latency: lognormal, median 20 ms, σ 0.5, as in the simulations. */
const latencyMs = () => SIMULATED_MEDIAN_MS * Math.exp(0.5 * rng.normal())

/** v1's handler, or v2's with `effect` from its first call (calls 1, 1 + n, 1 + 2n ... fail). */
function handler(version: string, effect?: Effect, log: CanaryLog = { calls: 0 }) {
  return async () => {
    const now = Date.now()
    const fail = effect?.failEvery !== undefined && log.calls % effect.failEvery === 0
    log.calls++
    log.first ??= now
    log.last = now
    await sleep(latencyMs() + (effect?.slowerMs ?? 0))
    if (fail) throw new Error(`${version} failed this call`)
    return version
  }
}

interface Run {
  events: RolloutEvent[]
  canary: CanaryLog
  /** The stable's latency histogram over the run (dense, LATENCY_BOUNDS_MS buckets). */
  stableLatency: number[]
}

/** One rollout of a fresh actor from v1 (at 100%) to v2 under `rate` calls/s; killed if it outlasts 3x its intervals. */
async function rollout(
  t: LatticeFixture,
  hosts: Host[],
  o: { effect?: Effect; rate: number; judge: string; steps: string; intervalS: number; extra?: string[] },
): Promise<Run> {
  const id = newActorId()
  const canary: CanaryLog = { calls: 0 }
  await hosts[0].startActor({ id, version: 'v1', count: 2, handler: handler('v1') })
  await hosts[1].startActor({ id, version: 'v2', count: 2, handler: handler('v2', o.effect, canary) })
  try {
    const shift = await lattice(['shift', 'actor', id, '--to', 'v1', '--weight', '100'], t.env())
    if (shift.code !== 0) throw new Error(`shift failed: ${shift.stderr}`)
    const calls = await t.traffic(`wasmbus.rpc.default.${id}`, {
      batch: Math.max(1, Math.round(o.rate / 50)),
      pauseMs: 20,
      openLoop: true,
      timeoutMs: 5000,
    })
    await sleep(2000)
    const run = t.background([
      'rollout',
      'actor',
      id,
      ...['--from', 'v1', '--to', 'v2', '--steps', o.steps, '--interval', `${o.intervalS}s`],
      ...['--analysis-judge', o.judge, '--analysis-confidence', String(CONFIDENCE), '--json'],
      ...(o.extra ?? []),
    ])
    const limit = setTimeout(() => void run.stop(), 3 * o.steps.split(',').length * o.intervalS * 1000 + 60_000)
    const r = await run.done.finally(() => clearTimeout(limit))
    await calls.stop()
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as RolloutEvent)
    if (!events.length) throw new Error(`rollout printed no events (exit ${r.code}): ${r.stderr}`)
    const stableLatency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)
    for (const [i, n] of hosts[0].metrics().versions.find((v) => v.id === id)?.latency ?? []) stableLatency[i] += n
    return { events, canary, stableLatency }
  } finally {
    await Promise.all([hosts[0].stopActor(id), hosts[1].stopActor(id)])
  }
}

/** The test's need and the oracle's minimum; for latency, the stable's measured share above its median's bound c. */
function needs(effect: Effect, stableLatency: number[]): Needs {
  if (effect.failEvery !== undefined) return errorRateNeeds(100 / effect.failEvery, 0)
  const frozen = latencyThresholds(stableLatency, { percent: 20, floorMs: DEFAULT_THRESHOLDS.latencyFloorMs })
  if (!frozen) return { need: Number.NaN, oracle: Number.NaN }
  const s = exceedanceCounts(stableLatency, stableLatency, { alpha: ALPHA, ...frozen }, 'fail')
  return latencyNeeds(s.stableErrors / s.stableCalls)
}

interface Protect extends Needs {
  effect: Effect
  rate: number
  judge: string
  seconds: number
  stoppedBy: string
  canaryPerS: number
}

async function timeToProtect(t: LatticeFixture, hosts: Host[], effect: Effect, rate: number, judge: string) {
  process.stderr.write(`  ${effect.name}, ${rate} calls/s, ${judge} judge\n`)
  const run = await rollout(t, hosts, { effect, rate, judge, steps: '10,100', intervalS: 60 })
  const back = run.events.find((e) => e.type === 'rolled-back')
  const failed = run.events.find((e) => e.type === 'verdict' && e.judgement?.outcome === 'fail')
  const j = failed?.judgement
  const { first = Number.NaN, last = Number.NaN, calls: n } = run.canary
  const at = (time?: string) => (Date.parse(time ?? '') - first) / 1000
  return {
    effect,
    rate,
    judge,
    seconds: at(back?.time),
    // The judge's window opens after the step's push, its record and the lookup of who serves the entity.
    stoppedBy:
      back && failed && j
        ? `${j.judge === 'fixed' ? 'fixed (end of step)' : j.early ? 'sequential' : 'sequential (end of step)'} at ${f1(j.windowMs / 1000)} s of a window opened at ${f1(at(j.time) - j.windowMs / 1000)} s; rolled back at ${f1(at(back.time))} s`
        : `not rolled back (${run.events.at(-1)?.type})`,
    canaryPerS: n / ((last - first) / 1000),
    ...needs(effect, run.stableLatency),
  } satisfies Protect
}

function protectSection(runs: Protect[]): Section {
  const fixedOf = (p: Protect) => runs.find((r) => r.judge === 'fixed' && r.effect === p.effect && r.rate === p.rate)
  const ratio = (p: Protect) => (fixedOf(p)?.seconds ?? Number.NaN) / p.seconds
  const rows = runs.map((p) => [
    `canary ${p.effect.name}`,
    String(p.rate),
    p.judge,
    p.stoppedBy,
    f1(p.canaryPerS),
    f1(p.seconds),
    p.judge === 'sequential' && fixedOf(p) ? `${f1(ratio(p))}x` : '-',
    `${p.need} calls, ${f1(p.need / p.canaryPerS)} s`,
    `${f1(p.seconds / (p.need / p.canaryPerS))}x`,
    `${f1(p.oracle)} calls, ${f1(p.oracle / p.canaryPerS)} s`,
  ])
  const key = runs.find((p) => p.judge === 'sequential' && p.rate === 100 && p.effect === EFFECTS[0])
  const sequential = runs.filter((p) => p.judge === 'sequential')
  const within = sequential.filter((p) => p.seconds <= 2 * (p.need / p.canaryPerS))
  return {
    title: 'Sequential judge: time to protect',
    method: `One run per case (not a median: each takes up to a minute): \`lattice rollout actor <id> --from v1 --to v2 --steps 10,100 --interval 60s --analysis-judge <judge> --analysis-confidence ${CONFIDENCE} --json\` on one nats-server (operator mode, JetStream state), v1 and v2 on two host-core hosts (2 instances each, reports every second), callers on the unversioned subject (open loop, batches every 20 ms: "calls/s" is the target, "canary calls/s" what the canary's handler counted). Every call takes a lognormal time (median ${SIMULATED_MEDIAN_MS} ms, σ 0.5); the canary is bad from its first call (it fails calls 1, 6, 11, ... or 1, 21, 41, ..., or takes 50 ms longer), so "seconds to protect" runs from its first call to the \`rolled-back\` event, which the runner emits once every server acknowledged the push of the stable weights and it read them back. α = ${2 * ALPHA} split between error rate and latency (${ALPHA} each). "Stopped by": the judgement that failed the canary, how far into its window, and when that window opened and the rollback was acknowledged, in seconds from the canary's first call (the window opens as soon as the step's weights are live; each host counts from its first report after that). "Test's need": the canary calls at which the expected counts first cross the sequential test's boundary (\`errorRateCallsNeeded\`; for latency the stable's measured share above its median's bucket bound against 100% of the canary's calls), in seconds at the canary's rate; "oracle": Wald's minimum for a test that knows both rates (docs/analysis.md). The judge looks after each report, i.e. about once a second, and the rollback's push and read-back follow: at 1,000 calls/s the test's need is a fraction of a second, so the report period, not the evidence, bounds the time. Fixed-judge runs wait the whole 60 s interval each, so they ran at ${FIXED_RATES.join(' and ')} calls/s only (BENCH_SEQ_FIXED_RATES, default 100).`,
    headers: [
      'canary',
      'calls/s',
      'judge',
      'stopped by',
      'canary calls/s',
      'seconds to protect',
      'fixed / sequential',
      "test's need",
      'measured / need',
      'oracle minimum',
    ],
    rows,
    checks: [
      {
        label: `canary failing 20% at 100 calls/s: sequential at least 5x faster than fixed (${key ? f1(ratio(key)) : '-'}x)`,
        pass: key !== undefined && ratio(key) >= 5,
      },
      {
        label: `sequential within 2x the test's need in ${within.length} of ${sequential.length} cases ("measured / need")`,
        pass: within.length === sequential.length,
      },
    ],
  }
}

interface Tally {
  rate?: number
  steps: number
  early: number
  end: number
}
const ZERO: Tally = { steps: 0, early: 0, end: 0 }

/** Rollouts of a canary identical to the stable (sequential judge) until AA_MIN steps were judged. */
async function falseRollbacks(t: LatticeFixture, hosts: Host[]): Promise<Section> {
  const tallies: Tally[] = []
  const sum = (ts: Tally[]) =>
    ts.reduce((a, x) => ({ steps: a.steps + x.steps, early: a.early + x.early, end: a.end + x.end }), ZERO)
  for (let i = 0; sum(tallies).steps < AA_MIN && i < 3 * AA_RATES.length; i++) {
    const rate = AA_RATES[i % AA_RATES.length]
    process.stderr.write(`  A/A rollout ${i + 1} at ${rate} calls/s (${sum(tallies).steps} steps so far)\n`)
    const extra = ['--analysis-inconclusive-limit', '1000']
    const run = await rollout(t, hosts, { rate, judge: 'sequential', steps: AA_STEPS, intervalS: 10, extra })
    const verdicts = run.events.filter((e) => e.type === 'verdict')
    const fails = verdicts.filter((e) => e.judgement?.outcome === 'fail')
    const early = fails.filter((e) => e.judgement?.early).length
    tallies.push({ rate, steps: new Set(verdicts.map((e) => e.step)).size, early, end: fails.length - early })
  }
  const all = sum(tallies)
  const row = (what: string, x: Tally) => [
    what,
    String(x.steps),
    `${x.early} + ${x.end}`,
    describeRate(x.early + x.end, x.steps),
  ]
  const simulated = simulatedFalseFails()
  const [lower, upper] = clopperPearson(all.early + all.end, all.steps)
  return {
    title: 'Sequential judge: false rollbacks (A/A)',
    method: `Real: rollouts of a canary identical to the stable (same handler, lognormal latency, no errors) with \`--analysis-judge sequential --analysis-confidence ${CONFIDENCE} --steps ${AA_STEPS} --interval 10s --analysis-inconclusive-limit 1000\`, otherwise as in the time-to-protect runs, alternating ${AA_RATES.join(' and ')} calls/s, until at least ${AA_MIN} steps were judged; a false rollback is a step that ended in a Fail, early (sequential, during the wait) or at the end (the end-of-step judgement). Simulated: the unit tests' seeded steps (test/helpers/sequential-simulation.ts), 60 reports each, at the α each metric gets here (${ALPHA}). Intervals: 95% Clopper-Pearson.`,
    headers: ['A/A steps', 'steps', 'fails (early + end)', 'false rollbacks (95% CI)'],
    rows: [
      ...AA_RATES.filter((rate) => tallies.some((x) => x.rate === rate)).map((rate) =>
        row(`real, ${rate} calls/s`, sum(tallies.filter((x) => x.rate === rate))),
      ),
      row('real, all', all),
      ...simulated.map((s) => [s.what, String(s.steps), `${s.fails} + 0`, describeRate(s.fails, s.steps)]),
    ],
    checks: [
      {
        label: `real A/A steps: ${all.steps} (at least ${AA_MIN})`,
        pass: all.steps >= AA_MIN,
      },
      {
        label: `real false rollbacks consistent with α = 1%: ${all.early + all.end} of ${all.steps}, 95% CI ${(100 * lower).toFixed(2)}-${(100 * upper).toFixed(2)}% (it includes or lies below 1%; ${all.steps} steps cannot show a rate as low as 1%, the simulated rows can)`,
        pass: lower <= 1 - CONFIDENCE,
      },
      ...simulated.map((s) => ({
        label: `${s.what}: ${describeRate(s.fails, s.steps)} at most α`,
        pass: s.fails / s.steps <= 1 - CONFIDENCE,
      })),
    ],
  }
}

export async function benchSequential(): Promise<Section[]> {
  const t = await startTestLattice({ state: true, appCreds: true })
  try {
    const hosts = await t.hosts(2, { logger: false })
    const runs: Protect[] = []
    for (const effect of EFFECTS)
      for (const rate of RATES) {
        runs.push(await timeToProtect(t, hosts, effect, rate, 'sequential'))
        if (FIXED_RATES.includes(rate)) runs.push(await timeToProtect(t, hosts, effect, rate, 'fixed'))
      }
    const aa = await falseRollbacks(t, hosts)
    return [protectSection(runs), aa, simulatedPower()]
  } finally {
    await t.stop()
  }
}
