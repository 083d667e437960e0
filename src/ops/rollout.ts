/**
 * Progressive rollouts: steps of weight for the new version, a wait after each, then gates
 * (a probe of the new version against the stable one, and/or a command). A failed gate, an
 * abort from any terminal, or an interrupt puts the stable weights back in one push. Progress
 * lives in the state bucket, so `rollout status | abort | promote` work from anywhere.
 */
import { spawn } from 'node:child_process'
import { LatticeError } from '../errors.js'
import { type Weights, shiftWeights } from '../plan/weights.js'
import { currentOwner, currentWho } from '../state/journal.js'
import { type RolloutPlan, validatePlan } from '../plan/rollout.js'
import { type GateResult, type RolloutRecord, Rollouts, isActive } from '../state/rollouts.js'
import { type EntityRef, entityKey, entityLabel, versionedSubject } from '../subjects/index.js'
import { SplitObserver, observedShares } from '../traffic/observe.js'
import { type ProbeResult, probe } from '../traffic/probe.js'
import { routesFromMappings } from '../plan/routes.js'
import { type ChangeOptions, type ChangeResult, changeRoutes, loadLiveAccount } from './change.js'
import type { Session } from './session.js'

export interface RolloutEvent {
  type: 'started' | 'step' | 'observed' | 'gate' | 'paused' | 'promoted' | 'rolled-back' | 'held' | 'completed'
  time: string
  entity: string
  /** 1-based step number, and how many steps there are. */
  step?: number
  steps?: number
  weight?: number
  observed?: number
  gate?: GateResult
  message?: string
}

export interface RunOptions {
  change: ChangeOptions
  onEvent: (e: RolloutEvent) => void
  /** What an interrupt (SIGINT/SIGTERM) does: put the stable weights back, or leave the weights as they are. */
  onInterrupt: 'abort' | 'hold'
  interrupted: () => boolean
}

const POLL_MS = 250

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function rolloutsOf(session: Session): Rollouts {
  if (!session.journal) {
    throw new LatticeError('NO_STATE', 'Rollouts keep their progress in the state bucket: pass --state-creds (LATTICE_STATE_CREDS).', {
      hint: 'Use creds of a user in an account with JetStream, so status and abort work from any machine.',
    })
  }
  return new Rollouts(session.journal.store, session.account)
}

export async function runRollout(session: Session, plan: RolloutPlan, opts: RunOptions): Promise<RolloutRecord> {
  validatePlan(plan)
  const rollouts = rolloutsOf(session)
  if (!session.app && plan.probe) throw new LatticeError('NO_APP_CREDS', 'Probing the new version needs an application-account user: pass --app-creds (LATTICE_APP_CREDS).')
  const entity = plan.entity
  const label = entityLabel(entity)
  const numbered = plan.steps.filter((s) => s !== 'pause').length
  const emit = (e: Omit<RolloutEvent, 'time' | 'entity'>) => opts.onEvent({ time: new Date().toISOString(), entity: label, ...e })

  // What is live before the first step is what an abort restores.
  const before = routesFromMappings((await loadLiveAccount(session)).claims.nats.mappings, session.lattice).find((r) => entityKey(r.entity) === entityKey(entity))
  const stable: Weights | null = before && Object.keys(before.weights).length ? before.weights : null
  if (stable && !(stable[plan.from] > 0)) {
    throw new LatticeError('INVALID_ROLLOUT', `${label} gives ${plan.from} no traffic now (live: ${Object.entries(stable).map(([v, w]) => `${v} ${w}%`).join(', ')}).`, { hint: 'Roll out from the version that serves the traffic now.' })
  }
  const apply = (weightsOf: (current: Weights | undefined) => Weights | null, force = opts.change.force) =>
    changeRoutes(
      session,
      (routes) => {
        const current = routes.get(entityKey(entity))
        return [{ entity, weights: weightsOf(current && Object.keys(current.weights).length ? current.weights : undefined), ...(current?.clusters ? { clusters: current.clusters } : {}) }]
      },
      { ...opts.change, dryRun: false, force },
    )
  const now = new Date().toISOString()
  const record: RolloutRecord = { plan, lattice: session.lattice, phase: 'running', step: 0, setWeight: stable?.[plan.to] ?? 0, stable, gates: [], who: currentWho(), owner: currentOwner(), startedAt: now, updatedAt: now }
  if ((await rollouts.start(record)) === undefined) {
    throw new LatticeError('ROLLOUT_RUNNING', `A rollout of ${label} is already running.`, { hint: 'See it with `lattice rollout status`, or stop it with `lattice rollout abort`.' })
  }
  emit({ type: 'started', steps: numbered, weight: record.setWeight, message: `${plan.from} -> ${plan.to}, steps ${plan.steps.join(',')}` })
  const update = (change: Partial<RolloutRecord>) => rollouts.update(entity, (r) => ({ ...r, ...change }))

  const observer = session.app ? new SplitObserver(session.app) : undefined
  try {
    let n = 0
    for (const [index, step] of plan.steps.entries()) {
      if (step === 'pause') {
        await update({ step: index, phase: 'paused' })
        emit({ type: 'paused', step: n, steps: numbered, message: 'waiting for `lattice rollout promote`' })
        const outcome = await waitFor(rollouts, entity, opts, Number.POSITIVE_INFINITY, (r) => r.promoteRequested === true)
        if (outcome !== 'done') return await stop(outcome)
        await update({ phase: 'running', promoteRequested: false })
        emit({ type: 'promoted', step: n, steps: numbered })
        continue
      }
      n++
      await apply((current) => shiftWeights(current ?? { [plan.from]: 100 }, { to: plan.to, weight: step, from: plan.from }))
      await update({ step: index, setWeight: step, observedWeight: undefined, gates: [] })
      emit({ type: 'step', step: n, steps: numbered, weight: step })

      await observer?.watch([{ key: 'e', subjects: Object.fromEntries([plan.from, plan.to].map((v) => [v, versionedSubject(session.lattice, entity, v)])) }])
      observer?.take()
      const outcome = await waitFor(rollouts, entity, opts, plan.intervalMs)
      if (outcome !== 'done') return await stop(outcome)
      const shares = observer ? observedShares(observer.take().e ?? {}) : {}
      const observed = shares[plan.to]
      if (observed !== undefined) {
        await update({ observedWeight: observed })
        emit({ type: 'observed', step: n, steps: numbered, weight: step, observed })
      }
      const gates = await runGates(session, plan, { step: n, steps: numbered, weight: step, observed })
      await update({ gates })
      for (const gate of gates) emit({ type: 'gate', step: n, steps: numbered, gate })
      const failed = gates.find((g) => !g.pass)
      if (failed) return await rollBack(`the ${failed.gate} gate failed at step ${n}: ${failed.detail}`)
    }
    const done = await update({ phase: 'completed', message: `${plan.to} has ${numbered ? (plan.steps.filter((s) => s !== 'pause').at(-1) as number) : 0}%` })
    emit({ type: 'completed', message: done?.message })
    return done as RolloutRecord
  } catch (e) {
    // Whatever broke, an active rollout must not be left half way without saying so.
    if (!(e instanceof LatticeError && e.code === 'ROLLOUT_RUNNING')) await rollBack(`stopped by an error: ${(e as Error).message}`).catch(() => undefined)
    throw e
  } finally {
    observer?.stop()
  }

  async function stop(outcome: 'abort' | 'interrupt'): Promise<RolloutRecord> {
    if (outcome === 'interrupt' && opts.onInterrupt === 'hold') {
      const held = await update({ phase: 'held', message: 'interrupted; weights left as they were' })
      emit({ type: 'held', message: held?.message })
      return held as RolloutRecord
    }
    const by = outcome === 'abort' ? (await rollouts.get(entity))?.value.abortRequested : undefined
    return rollBack(outcome === 'abort' ? `aborted by ${by?.who.user ?? 'someone'}@${by?.who.host ?? '?'}` : 'interrupted')
  }

  async function rollBack(reason: string): Promise<RolloutRecord> {
    await restoreStable(session, entity, stable, opts.change)
    const back = await update({ phase: 'rolled-back', message: reason, setWeight: stable?.[plan.to] ?? 0 })
    emit({ type: 'rolled-back', message: reason })
    return back as RolloutRecord
  }
}

/** One push back to the weights from before the rollout (no readiness gate: they were live). */
function restoreStable(session: Session, entity: EntityRef, stable: Weights | null, change: ChangeOptions): Promise<ChangeResult> {
  return changeRoutes(
    session,
    (routes) => {
      const current = routes.get(entityKey(entity))
      return [{ entity, weights: stable, ...(current?.clusters ? { clusters: current.clusters } : {}) }]
    },
    { ...change, dryRun: false, force: true },
  )
}

/** Wait `ms` (or until `until` holds), watching for an abort request and interrupts. */
async function waitFor(rollouts: Rollouts, entity: EntityRef, opts: RunOptions, ms: number, until?: (r: RolloutRecord) => boolean): Promise<'done' | 'abort' | 'interrupt'> {
  const end = Date.now() + ms
  for (;;) {
    if (opts.interrupted()) return 'interrupt'
    const r = (await rollouts.get(entity))?.value
    if (r?.abortRequested) return 'abort'
    if (until && r && until(r)) return 'done'
    const left = end - Date.now()
    if (left <= 0) return 'done'
    await sleep(Math.min(POLL_MS, left))
  }
}

interface StepFacts {
  step: number
  steps: number
  weight: number
  observed?: number
}

async function runGates(session: Session, plan: RolloutPlan, facts: StepFacts): Promise<GateResult[]> {
  const out: GateResult[] = []
  if (plan.probe && session.app) out.push(await probeGate(session, plan))
  if (plan.gateCmd) out.push(await commandGate(session, plan, facts))
  return out
}

async function probeGate(session: Session, plan: RolloutPlan): Promise<GateResult> {
  const g = plan.probe!
  const app = session.app!
  const opts = { payload: g.payload, count: g.count, timeoutMs: g.timeoutMs }
  const fresh = await probe(app, versionedSubject(session.lattice, plan.entity, plan.to), opts)
  const stable = await probe(app, versionedSubject(session.lattice, plan.entity, plan.from), opts)
  const problems: string[] = []
  if (fresh.errorRate > g.maxErrorRate) problems.push(`error rate ${fmt(fresh.errorRate)}% > ${g.maxErrorRate}%`)
  if (g.maxP95Ms !== undefined && fresh.p95Ms > g.maxP95Ms) problems.push(`p95 ${fmt(fresh.p95Ms)} ms > ${g.maxP95Ms} ms`)
  if (fresh.errorRate > stable.errorRate + g.errorMargin) problems.push(`error rate ${fmt(fresh.errorRate)}% is worse than ${plan.from}'s ${fmt(stable.errorRate)}% by more than ${g.errorMargin} points`)
  if (fresh.ok > 0 && stable.ok > 0 && fresh.p95Ms > stable.p95Ms + g.latencyMarginMs) problems.push(`p95 ${fmt(fresh.p95Ms)} ms is slower than ${plan.from}'s ${fmt(stable.p95Ms)} ms by more than ${g.latencyMarginMs} ms`)
  const summary = `${plan.to}: ${describe(fresh)}; ${plan.from}: ${describe(stable)}`
  return { gate: 'probe', pass: problems.length === 0, detail: problems.length ? `${problems.join('; ')} (${summary})` : summary }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

function describe(r: ProbeResult): string {
  return `${r.ok}/${r.sent} ok, p95 ${fmt(r.p95Ms)} ms${r.failures.length ? ` (${r.failures.join(', ')})` : ''}`
}

/** Run the user's gate command with the step's details in its environment; exit 0 passes. */
function commandGate(session: Session, plan: RolloutPlan, facts: StepFacts): Promise<GateResult> {
  const env = {
    ...process.env,
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
  }
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', plan.gateCmd as string], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (d: Buffer) => (output = (output + d.toString()).slice(-2000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', (e) => resolve({ gate: 'command', pass: false, detail: `cannot run: ${e.message}` }))
    child.on('close', (code) => {
      const last = output.trim().split('\n').at(-1) ?? ''
      resolve({ gate: 'command', pass: code === 0, detail: `exit ${code}${last ? `: ${last.slice(0, 200)}` : ''}` })
    })
  })
}

export async function rolloutStatus(session: Session, entity: EntityRef): Promise<RolloutRecord> {
  const found = await rolloutsOf(session).get(entity)
  if (!found) throw new LatticeError('NO_ROLLOUT', `No rollout of ${entityLabel(entity)} is recorded.`, { hint: 'Start one with `lattice rollout actor|provider ...`.' })
  return found.value
}

/** Ask the runner to abort; if it does not answer, put the stable weights back ourselves. */
export async function abortRollout(session: Session, entity: EntityRef, opts: { change: ChangeOptions; waitMs?: number }): Promise<RolloutRecord> {
  const rollouts = rolloutsOf(session)
  const found = await rollouts.get(entity)
  if (!found || !isActive(found.value)) {
    throw new LatticeError('NO_ROLLOUT', `No rollout of ${entityLabel(entity)} is running${found ? ` (the last one is ${found.value.phase})` : ''}.`, { hint: 'See `lattice rollout status`.' })
  }
  const who = currentWho()
  await rollouts.update(entity, (r) => ({ ...r, abortRequested: { who, at: new Date().toISOString() } }))
  const deadline = Date.now() + (opts.waitMs ?? 10_000)
  while (Date.now() < deadline) {
    const r = (await rollouts.get(entity))?.value
    if (r && !isActive(r)) return r
    await sleep(POLL_MS)
  }
  // The runner is gone (or stuck): do its last job for it.
  const r = (await rollouts.get(entity))?.value as RolloutRecord
  await restoreStable(session, entity, r.stable, opts.change)
  return (await rollouts.update(entity, (x) => ({ ...x, phase: 'rolled-back', setWeight: x.stable?.[x.plan.to] ?? 0, message: `aborted by ${who.user}@${who.host}; the runner did not answer, so the abort restored the stable weights itself` }))) as RolloutRecord
}

export async function promoteRollout(session: Session, entity: EntityRef): Promise<RolloutRecord> {
  const rollouts = rolloutsOf(session)
  const found = await rollouts.get(entity)
  if (!found || found.value.phase !== 'paused') {
    throw new LatticeError('NO_ROLLOUT', `No rollout of ${entityLabel(entity)} is paused${found ? ` (it is ${found.value.phase})` : ''}.`, { hint: 'See `lattice rollout status`.' })
  }
  return (await rollouts.update(entity, (r) => ({ ...r, promoteRequested: true }))) as RolloutRecord
}
