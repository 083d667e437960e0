/**
 * A rollout step's gates: a probe of the new version against the stable one, the user's
 * command with the step's facts in its environment, webhooks (webhook-gate.ts) and a
 * Prometheus query (prometheus-gate.ts). Each is cut short when the rollout is aborted or
 * interrupted meanwhile.
 */
import { spawn } from 'node:child_process'
import type { RolloutPlan } from './plan/rollout-plan.js'
import { envWithoutSecrets } from '../redact.js'
import type { GateResult } from './records/rollout-store.js'
import { versionedSubject } from '../subjects/index.js'
import { type ProbeResult, probe } from '../traffic/probe.js'
import { prometheusGate } from './prometheus-gate.js'
import type { Session } from '../ops/session.js'
import { POLL_MS, sleep } from './record-access.js'
import { webhookContext, webhookGate } from './webhook-gate.js'

export interface StepFacts {
  step: number
  steps: number
  weight: number
  /** to's share of the calls observed during the wait, in percent. */
  observed?: number
  /** Every serving version's share, in percent. */
  shares?: Record<string, number>
}

/** Run the gates, cutting the gate command short as soon as `shouldStop` says so (an abort or an interrupt). */
export async function gatesUnlessStopped(
  session: Session,
  plan: RolloutPlan,
  facts: StepFacts,
  shouldStop: () => Promise<boolean>,
): Promise<GateResult[]> {
  const cut = new AbortController()
  let running = true
  const watcher = (async () => {
    while (running && !cut.signal.aborted) {
      await sleep(POLL_MS)
      if (running && (await shouldStop())) cut.abort()
    }
  })()
  try {
    const out: GateResult[] = []
    // Probes speak versioned RPC: a component (wRPC) has none (said once when the rollout starts).
    if (plan.probe && session.app && plan.entity.kind !== 'component') out.push(await probeGate(session, plan))
    if (plan.gateCmd && !cut.signal.aborted) out.push(await commandGate(session, plan, facts, cut.signal))
    for (const hook of plan.webhooks ?? [])
      if (!cut.signal.aborted)
        out.push(await webhookGate(hook, webhookContext(session.lattice, plan, facts), cut.signal))
    if (plan.prometheus && !cut.signal.aborted)
      out.push(await prometheusGate(plan.prometheus, session.lattice, plan, cut.signal))
    return out
  } finally {
    running = false
    await watcher
  }
}

/**
 * Probes speak lattice's versioned RPC, not wRPC, so a component rollout has none: said once,
 * at the start. Without any other gate only the observed weight is checked, which is said too.
 */
export function componentGatesNote(plan: RolloutPlan): string {
  if (plan.entity.kind !== 'component') return ''
  const gated = plan.gateCmd || plan.webhooks?.length || plan.prometheus
  return `; probes: not available for components (wRPC); gates: --gate-cmd/--gate-webhook/--gate-prometheus${gated ? '' : '; WARNING: no gate set, only the observed weight is checked'}`
}

/** A gate command that hangs must not hold a rollout forever. */
const GATE_TIMEOUT_MS = Number(process.env.LATTICE_GATE_TIMEOUT_MS) || 300_000

async function probeGate(session: Session, plan: RolloutPlan): Promise<GateResult> {
  const g = plan.probe!
  const app = session.app!
  const opts = { payload: g.payload, count: g.count, timeoutMs: g.timeoutMs }
  const fresh = await probe(app, versionedSubject(session.lattice, plan.entity, plan.to), opts)
  const stable = await probe(app, versionedSubject(session.lattice, plan.entity, plan.from), opts)
  const problems: string[] = []
  if (fresh.errorRate > g.maxErrorRate) problems.push(`error rate ${fmt(fresh.errorRate)}% > ${g.maxErrorRate}%`)
  if (g.maxP95Ms !== undefined && fresh.p95Ms > g.maxP95Ms)
    problems.push(`p95 ${fmt(fresh.p95Ms)} ms > ${g.maxP95Ms} ms`)
  if (fresh.errorRate > stable.errorRate + g.errorMargin)
    problems.push(
      `error rate ${fmt(fresh.errorRate)}% is worse than ${plan.from}'s ${fmt(stable.errorRate)}% by more than ${g.errorMargin} points`,
    )
  if (fresh.ok > 0 && stable.ok > 0 && fresh.p95Ms > stable.p95Ms + g.latencyMarginMs)
    problems.push(
      `p95 ${fmt(fresh.p95Ms)} ms is slower than ${plan.from}'s ${fmt(stable.p95Ms)} ms by more than ${g.latencyMarginMs} ms`,
    )
  const summary = `${plan.to}: ${describe(fresh)}; ${plan.from}: ${describe(stable)}`
  return {
    gate: 'probe',
    pass: problems.length === 0,
    detail: problems.length ? `${problems.join('; ')} (${summary})` : summary,
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

function describe(r: ProbeResult): string {
  return `${r.ok}/${r.sent} ok, p95 ${fmt(r.p95Ms)} ms${r.failures.length ? ` (${r.failures.join(', ')})` : ''}`
}

/** Run the user's gate command with the step's details in its environment; exit 0 passes. */
function commandGate(session: Session, plan: RolloutPlan, facts: StepFacts, signal: AbortSignal): Promise<GateResult> {
  // The gate is the user's script: it gets no seed.
  const env = {
    ...envWithoutSecrets(),
    LATTICE_ROLLOUT_KIND: plan.entity.kind,
    LATTICE_ROLLOUT_ID: plan.entity.id,
    LATTICE_ROLLOUT_LINK: plan.entity.link ?? '',
    LATTICE_ROLLOUT_LATTICE: session.lattice,
    LATTICE_ROLLOUT_FROM: plan.from,
    LATTICE_ROLLOUT_TO: plan.to,
    LATTICE_ROLLOUT_STEP: String(facts.step),
    LATTICE_ROLLOUT_STEPS: String(facts.steps),
    LATTICE_ROLLOUT_WEIGHT: String(facts.weight),
    LATTICE_ROLLOUT_OBSERVED: facts.observed === undefined ? '' : facts.observed.toFixed(1),
    // JSON: every serving version's observed share, e.g. {"v1":20.1,"v2":70.3,"v3":9.6}.
    LATTICE_ROLLOUT_SHARES: JSON.stringify(
      Object.fromEntries(Object.entries(facts.shares ?? {}).map(([v, x]) => [v, Math.round(x * 10) / 10])),
    ),
  }
  return new Promise((resolve) => {
    // Its own process group: a Ctrl-C in the terminal reaches the runner, which decides (and stops the gate).
    const child = spawn('sh', ['-c', plan.gateCmd as string], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let timedOut = false
    // Kill the whole group: the script's own children hold its output open.
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => ((timedOut = true), killGroup()), GATE_TIMEOUT_MS)
    signal.addEventListener('abort', killGroup, { once: true })
    let output = ''
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-2000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', (e) =>
      resolve({ gate: 'command', pass: false, detail: signal.aborted ? 'stopped' : `cannot run: ${e.message}` }),
    )
    child.on('close', (code, killedBy) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', killGroup)
      const last = output.trim().split('\n').at(-1) ?? ''
      const how = signal.aborted
        ? 'stopped'
        : timedOut
          ? `timed out after ${GATE_TIMEOUT_MS / 1000} s`
          : code === null
            ? `killed by ${killedBy}`
            : `exit ${code}`
      resolve({ gate: 'command', pass: code === 0, detail: `${how}${last ? `: ${last.slice(0, 200)}` : ''}` })
    })
  })
}
