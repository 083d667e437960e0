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

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000)
const CONCURRENCY = 64
const RUNS = Number(process.env.BENCH_RUNS ?? 5)

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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function benchHostCore(): Promise<{ rows: string[][]; ratios: Record<string, number> }> {
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
    await withSession(target, (s) => shift(s, { entity: { kind: 'actor', id: mappedActor }, from: 'v1', to: 'v2', weight: 50 }, { dryRun: false }))

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
    return { rows, ratios }
  } finally {
    for (const c of [client, plainConn, hostConn, mappedConn]) await c.close().catch(() => undefined)
    await l.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, ratios } = await benchHostCore()
  console.log(`host-core request/reply: ${REQUESTS} requests x ${RUNS} runs, concurrency ${CONCURRENCY}, medians`)
  console.log(['case', 'req/s', 'vs plain', 'p50 ms', 'p99 ms'].join(' | '))
  for (const r of rows) console.log(r.join(' | '))
  const worst = Math.min(ratios['host-core, no mapping'], ratios['host-core, 50/50 mapping'])
  console.log(worst >= 0.95 ? `PASS: host-core >= 0.95x (worst ${worst.toFixed(2)}x)` : `FAIL: host-core below 0.95x (worst ${worst.toFixed(2)}x)`)
  if (worst < 0.95) process.exitCode = 1
}
