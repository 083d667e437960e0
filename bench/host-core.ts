/**
 * host-core request/reply throughput versus a plain nats.js queue responder on the same
 * server, with and without a 50/50 mapping (the plain responder behind the same mapping). Each
 * round runs every case; ratios are taken within a round (these machines are noisy).
 * Target: host-core >= 0.95x the plain responder. The hosts run with their defaults, so they
 * count every call per version and publish a metrics report every second throughout.
 */
import type { NatsConnection } from 'nats'
import { DEFAULT_METRICS_INTERVAL_MS, Host, type MetricsReport, metricsWildcard } from '../src/host-core/index.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { shift } from '../src/ops/shift.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
import { versionedSubject } from '../src/subjects/index.js'
import { RUNS, type Section, median } from './common.js'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000)
const CONCURRENCY = 64

interface Sample {
  rps: number
  p50: number
  p99: number
}

async function drive(client: NatsConnection, subject: string, n: number): Promise<Sample> {
  const lat: number[] = []
  let sent = 0
  const start = performance.now()
  const worker = async () => {
    while (sent < n) {
      sent++
      const t = performance.now()
      await client.request(subject, undefined, { timeout: 5000 })
      lat.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const secs = (performance.now() - start) / 1000
  lat.sort((a, b) => a - b)
  return { rps: n / secs, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] }
}

type Routing = 'no mapping' | '50/50 mapping'
const ROUTINGS: Routing[] = ['no mapping', '50/50 mapping']
const ROUNDS = RUNS * 2

export async function benchHostCore(): Promise<Section> {
  const l = await startLattice()
  const client = await appConnection(l.url, l.appCredsFile)
  const conns = await Promise.all(Array.from({ length: 4 }, () => appConnection(l.url, l.appCredsFile)))
  const hosts: Host[] = []
  // Proof that reporting was on: the reports the hosts published, and the calls they counted.
  const reports = new Map<string, MetricsReport>()
  const reportSub = client.subscribe(metricsWildcard('default'), {
    callback: (_e, m) => {
      const r = m.json<MetricsReport>()
      reports.set(`${r.host} ${r.seq}`, r)
    },
  })
  try {
    const body = new TextEncoder().encode('ok')
    // A session clears its signing key when it ends: a fresh target for each split.
    const target = () =>
      resolveTarget(
        {
          server: l.url,
          creds: l.sysCredsFile,
          signingKey: l.operatorSeedFile,
          account: l.appAccount,
          lattice: 'default',
        },
        'required',
      )
    const split = (id: string) =>
      withSession(target(), (s) =>
        shift(s, { entity: { kind: 'actor', id }, from: 'v1', to: 'v2', weight: 50 }, { dryRun: false, force: false }),
      )
    // Each case serves an actor's subjects; the mapped ones get a 50/50 split, so the server
    // does the same routing work for host-core and for the plain responder it is compared to.
    const cases: { name: string; routing: Routing; plain: boolean; subject: string }[] = []
    for (const [i, routing] of ROUTINGS.entries()) {
      const plainActor = newActorId()
      const plainConn = conns[i * 2]
      const versions = routing === 'no mapping' ? ['v1'] : ['v1', 'v2']
      // A plain responder: one queue subscription per subject the traffic can land on.
      for (const v of versions)
        plainConn.subscribe(
          routing === 'no mapping'
            ? `wasmbus.rpc.default.${plainActor}`
            : versionedSubject('default', { kind: 'actor', id: plainActor }, v),
          { queue: 'q', callback: (_e, m) => m.respond(body) },
        )
      await plainConn.flush()
      const hostActor = newActorId()
      // Metrics are left at the default (on, a report every second).
      const host = await Host.start({ nc: conns[i * 2 + 1], hostId: `bench-${i}`, control: false })
      hosts.push(host)
      for (const v of versions) await host.startActor({ id: hostActor, version: v, handler: () => body })
      if (routing === '50/50 mapping') {
        await split(plainActor)
        await split(hostActor)
      }
      cases.push({
        name: `plain nats.js queue responder, ${routing}`,
        routing,
        plain: true,
        subject: `wasmbus.rpc.default.${plainActor}`,
      })
      cases.push({
        name: `host-core (metrics on), ${routing}`,
        routing,
        plain: false,
        subject: `wasmbus.rpc.default.${hostActor}`,
      })
    }
    for (const c of cases) await drive(client, c.subject, 2000) // warm-up
    const samples = new Map(cases.map((c) => [c, [] as Sample[]]))
    const ratios = new Map<Routing, number[]>(ROUTINGS.map((r) => [r, []]))
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no case always runs first (right after a GC or a noisy neighbour).
      const order = cases.map((_, i) => cases[(i + round) % cases.length])
      const rps = new Map<(typeof cases)[number], number>()
      for (const c of order) {
        const sample = await drive(client, c.subject, REQUESTS)
        samples.get(c)!.push(sample)
        rps.set(c, sample.rps)
      }
      // Compared within the round: both ran seconds apart, under the same machine load.
      for (const routing of ROUTINGS) {
        const [plain, hosted] = [true, false].map((p) =>
          rps.get(cases.find((c) => c.routing === routing && c.plain === p)!)!,
        )
        ratios.get(routing)!.push(hosted / plain)
      }
    }
    const rows = cases.map((c) => {
      const ss = samples.get(c)!
      return [
        c.name,
        Math.round(median(ss.map((s) => s.rps))).toString(),
        c.plain ? '1.00x' : `${median(ratios.get(c.routing)!).toFixed(2)}x`,
        median(ss.map((s) => s.p50)).toFixed(2),
        median(ss.map((s) => s.p99)).toFixed(2),
      ]
    })
    const worst = Math.min(...ROUTINGS.map((r) => median(ratios.get(r)!)))
    const counted = hosts.reduce((n, h) => n + h.metrics().versions.reduce((k, v) => k + v.calls, 0), 0)
    const served = hosts.reduce((n, h) => n + h.stats().received, 0)
    return {
      title: 'host-core request/reply',
      method: `host-core runs with metrics on (its default): every call counted per version, a report published every ${DEFAULT_METRICS_INTERVAL_MS} ms (${reports.size} reports received during this bench, ${counted} of the ${served} calls counted). ${REQUESTS} requests per run, ${CONCURRENCY} in flight, ${ROUNDS} rounds after a warm-up, each round running every case once in a rotating order. The baseline is a plain nats.js queue responder behind the same routing (with the mapping: one queue subscription on each versioned subject); "vs plain" is the median of the per-round ratios, the other columns are medians.`,
      headers: ['case', 'req/s', 'vs plain', 'p50 ms', 'p99 ms'],
      rows,
      checks: [
        {
          label: `host-core at least 0.95x the plain responder, with and without a mapping, metrics on (worst ${worst.toFixed(2)}x)`,
          pass: worst >= 0.95,
        },
        {
          label: `host-core counted every call it served in its metrics (${counted} of ${served})`,
          pass: counted === served && served > 0,
        },
      ],
    }
  } finally {
    reportSub.unsubscribe()
    for (const h of hosts) await h.close().catch(() => undefined)
    for (const c of [client, ...conns]) await c.close().catch(() => undefined)
    await l.stop()
  }
}
