/**
 * A host as far as its metrics reports go: host-core's own MetricsRegistry and MetricsPublisher,
 * with calls recorded and reports published when a test says (different moments, lost reports,
 * restarts), as several hosts with their own cumulative counters.
 */
import type { NatsConnection } from 'nats'
import { silentLogger } from '../../src/host-core/logging.js'
import { MetricsRegistry } from '../../src/host-core/metrics.js'
import { MetricsPublisher } from '../../src/host-core/metrics-publisher.js'
import type { MetricsReport } from '../../src/host-core/metrics-report.js'
import { analysisPlan } from '../../src/analysis/options.js'
import type { Session } from '../../src/ops/session.js'
import type { RolloutPlan } from '../../src/rollout/plan/rollout-plan.js'
import { RolloutAnalysis } from '../../src/rollout/traffic-analysis.js'
import { newActorId } from './ids.js'
import { sleep } from './nats-server.js'
import type { LatticeFixture } from './test-lattice.js'

export class Reporter {
  registry!: MetricsRegistry
  private publisher!: MetricsPublisher
  /** Every report published, in order; `marked`: how many were published before the window began. */
  readonly published: MetricsReport[] = []
  marked = 0

  constructor(
    private readonly nc: NatsConnection,
    readonly actor: string,
    readonly id = `host-${newActorId().slice(1, 9).toLowerCase()}`,
  ) {
    this.restart(Date.now() - 60_000)
  }

  /** Counters from zero, as a host that restarted at `startedAt`. */
  restart(startedAt: number): void {
    this.registry = new MetricsRegistry('default', this.id, startedAt, 1000)
    this.publisher = new MetricsPublisher(this.nc, this.registry, silentLogger)
  }

  serve(version: string, calls: number, errors = 0, ms = 2, actor = this.actor): this {
    const c = this.registry.counters(`${actor}/${version}`, { kind: 'actor', id: actor }, version)
    for (let i = 0; i < calls; i++) c.record(ms, i < errors)
    return this
  }

  publish(): void {
    this.publisher.publish()
    this.published.push(this.registry.report())
  }

  /** This host's [calls, errors] of `version` in the window: its latest report less its first after the mark. */
  window(version: string): [number, number] {
    const after = this.published.slice(this.marked)
    if (after.length === 0) return [0, 0]
    const of = (r: MetricsReport) => r.versions.find((v) => v.version === version && v.id === this.actor)
    const [first, last] = [of(after[0]), of(after[after.length - 1])]
    return [(last?.calls ?? 0) - (first?.calls ?? 0), (last?.errors ?? 0) - (first?.errors ?? 0)]
  }
}

/** A started analysis of v1 -> v2 of `actor` (reported by `reporters`, or by real hosts), with the window begun. */
export async function reportedAnalysis(
  t: LatticeFixture,
  nc: NatsConnection,
  actor: string,
  reporters: Reporter[] = [],
): Promise<RolloutAnalysis> {
  const plan: RolloutPlan = {
    entity: { kind: 'actor', id: actor },
    from: 'v1',
    to: 'v2',
    steps: [100],
    intervalMs: 60_000,
    analysis: { ...analysisPlan({ judge: 'sequential' }, (k) => k), mode: 'on' },
  }
  const session = { app: nc, lattice: 'default' } as Session
  let started: Awaited<ReturnType<typeof RolloutAnalysis.start>> | undefined
  const starting = RolloutAnalysis.start(session, plan).then((s) => (started = s))
  // Discovery waits for a report naming v1 or v2: keep reporting until it has subscribed and heard one.
  while (!started) {
    for (const r of reporters) r.publish()
    await Promise.race([starting, sleep(100)])
  }
  const a = started.analysis!
  t.track('conn', async () => a.stop())
  // The collector reads on this connection too: after a flush it has taken every report published.
  await nc.flush()
  a.begin()
  for (const r of reporters) r.marked = r.published.length
  return a
}

/** Publish, then wait until the collector has taken the report (the next report it accepts). */
export async function deliver(a: RolloutAnalysis, r: Reporter, publish = () => r.publish()): Promise<void> {
  const t0 = Date.now()
  const taken = a.nextReport(30_000)
  publish()
  await taken
  if (Date.now() - t0 >= 30_000) throw new Error(`${r.id}'s report was not taken`)
}
