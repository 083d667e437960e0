/**
 * host-core request/reply throughput versus a plain nats.js queue responder on the same
 * server, with and without a 50/50 mapping. Runs alternate after a warm-up; medians compared
 * within this run (these machines are noisy). Target: host-core >= 0.95x the plain responder.
 */
import type { NatsConnection } from 'nats'
import { Host } from '../src/host-core/index.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { shift } from '../src/ops/shift.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
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

export async function benchHostCore(): Promise<Section> {
  const l = await startLattice()
  const client = await appConnection(l.url, l.appCredsFile)
  const plainConn = await appConnection(l.url, l.appCredsFile)
  const hostConn = await appConnection(l.url, l.appCredsFile)
  const mappedConn = await appConnection(l.url, l.appCredsFile)
  try {
    const body = new TextEncoder().encode('ok')
    plainConn.subscribe('bench.plain', { queue: 'q', callback: (_e, m) => m.respond(body) })
    await plainConn.flush()

    const actor = newActorId()
    const host = await Host.start({ nc: hostConn, hostId: 'bench', control: false })
    await host.startActor({ id: actor, version: 'v1', handler: () => body })

    const mappedActor = newActorId()
    const mapped = await Host.start({ nc: mappedConn, hostId: 'bench-mapped', control: false })
    await mapped.startActor({ id: mappedActor, version: 'v1', handler: () => body })
    await mapped.startActor({ id: mappedActor, version: 'v2', handler: () => body })
    const target = resolveTarget({ server: l.url, creds: l.sysCredsFile, signingKey: l.operatorSeedFile, account: l.appAccount, lattice: 'default' }, 'required')
    await withSession(target, (s) => shift(s, { entity: { kind: 'actor', id: mappedActor }, from: 'v1', to: 'v2', weight: 50 }, { dryRun: false, force: false }))

    const cases: Record<string, string> = {
      'plain nats.js queue responder': 'bench.plain',
      'host-core, no mapping': `wasmbus.rpc.default.${actor}`,
      'host-core, 50/50 mapping': `wasmbus.rpc.default.${mappedActor}`,
    }
    for (const subject of Object.values(cases)) await drive(client, subject, 2000) // warm-up
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
    for (let run = 0; run < RUNS; run++) {
      for (const [name, subject] of Object.entries(cases)) samples[name].push(await drive(client, subject, REQUESTS))
    }
    await host.close()
    await mapped.close()
    const base = median(samples['plain nats.js queue responder'].map((s) => s.rps))
    const rows: string[][] = []
    const ratios: Record<string, number> = {}
    for (const [name, ss] of Object.entries(samples)) {
      const rps = median(ss.map((s) => s.rps))
      ratios[name] = rps / base
      rows.push([name, Math.round(rps).toString(), (rps / base).toFixed(2) + 'x', median(ss.map((s) => s.p50)).toFixed(2), median(ss.map((s) => s.p99)).toFixed(2)])
    }
    const worst = Math.min(ratios['host-core, no mapping'], ratios['host-core, 50/50 mapping'])
    return {
      title: 'host-core request/reply',
      method: `${REQUESTS} requests per run, ${CONCURRENCY} in flight, ${RUNS} alternating runs after a warm-up; medians. The baseline is a plain nats.js queue responder on the same server.`,
      headers: ['case', 'req/s', 'vs plain', 'p50 ms', 'p99 ms'],
      rows,
      checks: [{ label: `host-core at least 0.95x the plain responder, with and without a mapping (worst ${worst.toFixed(2)}x)`, pass: worst >= 0.95 }],
    }
  } finally {
    for (const c of [client, plainConn, hostConn, mappedConn]) await c.close().catch(() => undefined)
    await l.stop()
  }
}
