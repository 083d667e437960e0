/**
 * What observing traffic costs (issue #19): `lattice watch` over 100 entities (each v1/v2 50/50
 * on two host-core hosts) at a high and a low call rate, by subscription and from host reports.
 * Lattice's CPU is the watch process's (utime + stime from /proc, between its 2nd and last
 * frame, so start-up is left out); the server's extra CPU is nats-server's during the same
 * frames minus its CPU with no watcher at the same rate. Target: from reports, lattice's CPU does
 * not grow with the rate (at 10x the rate at most 1.5x the CPU).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { NatsConnection } from 'nats'
import { Host } from '../src/host-core/index.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { shift } from '../src/ops/shift.js'
import { BIN, cleanEnv } from '../test/helpers/cli.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
import type { Section } from './common.js'

const ENTITIES = 100
const RATES = (process.env.BENCH_OBSERVE_RATES ?? '30000,10000,1000,100').split(',').map(Number)
/** Frames of a watch: CPU is counted from the 2nd to the last. */
const FRAMES = 7
const TICK_MS = 1000 / 100 // USER_HZ: Linux reports utime/stime in 1/100 s

/** CPU time (ms) a process has used so far. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** Publish `rate` one-way calls a second, round robin over `subjects`, until stopped. */
function traffic(nc: NatsConnection, subjects: string[], rate: number): { stop: () => void } {
  let i = 0
  const start = performance.now()
  let sent = 0
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate)
    for (; sent < due; sent++) nc.publish(subjects[i++ % subjects.length])
  }, 5)
  return { stop: () => clearInterval(timer) }
}

/** Runs a watch; resolves to its CPU and the server's between its 2nd and last frame, and how long that was. */
function watchCpu(
  env: NodeJS.ProcessEnv,
  mode: string,
  serverPid: number,
): Promise<{ lattice: number; server: number; seconds: number; observedBy: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'watch', '--json', '--interval', '1s', '--count', String(FRAMES), '--observe', mode],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    let err = ''
    let frames = 0
    let from: { lattice: number; server: number; t: number } | undefined
    let result: { lattice: number; server: number; seconds: number; observedBy: string[] } | undefined
    child.stderr.on('data', (d) => (err += d))
    child.stdout.on('data', (d) => {
      out += d
      const lines = out.split('\n')
      out = lines.pop() ?? ''
      for (const line of lines) {
        frames++
        const now = { lattice: cpuMs(child.pid!), server: cpuMs(serverPid), t: performance.now() }
        if (frames === 2) from = now
        if (frames === FRAMES && from) {
          const f = JSON.parse(line) as { entities: { observedBy?: string }[] }
          result = {
            lattice: now.lattice - from.lattice,
            server: now.server - from.server,
            seconds: (now.t - from.t) / 1000,
            observedBy: [...new Set(f.entities.map((e) => e.observedBy ?? '-'))],
          }
        }
      }
    })
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`watch --observe ${mode} exited ${code}: ${err}`)),
    )
  })
}

export async function benchObserve(): Promise<Section> {
  const l = await startLattice()
  const conns = await Promise.all([0, 1, 2].map(() => appConnection(l.url, l.appCredsFile)))
  const hosts: Host[] = []
  try {
    const serverPid = l.nodes[0].proc!.pid!
    hosts.push(
      await Host.start({ nc: conns[0], hostId: 'obs-0', control: false }),
      await Host.start({ nc: conns[1], hostId: 'obs-1', control: false }),
    )
    const ids = Array.from({ length: ENTITIES }, () => newActorId())
    for (const id of ids) {
      await hosts[0].startActor({ id, version: 'v1', handler: () => undefined })
      await hosts[1].startActor({ id, version: 'v2', handler: () => undefined })
    }
    const target = resolveTarget(
      {
        server: l.url,
        creds: l.sysCredsFile,
        signingKey: l.operatorSeedFile,
        account: l.appAccount,
        lattice: 'default',
      },
      'required',
    )
    await withSession(target, async (s) => {
      for (const id of ids)
        await shift(
          s,
          { entity: { kind: 'actor', id }, from: 'v1', to: 'v2', weight: 50 },
          { dryRun: false, force: false },
        )
    })
    const env = cleanEnv({ ...l.env(), LATTICE_APP_CREDS: l.appCredsFile })
    const subjects = ids.map((id) => `wasmbus.rpc.default.${id}`)
    const calls = () => hosts.reduce((n, h) => n + h.metrics().versions.reduce((k, v) => k + v.calls, 0), 0)
    const rows: string[][] = []
    const reportCpu = new Map<number, number>()
    const subCpu = new Map<number, number>()
    for (const rate of RATES) {
      const t = traffic(conns[2], subjects, rate)
      try {
        await new Promise((r) => setTimeout(r, 1000))
        // The server with no watcher, over as long as a watch's measured frames (before and after the watches).
        const idle = async () => {
          const c0 = calls()
          const s0 = { server: cpuMs(serverPid), t: performance.now() }
          await new Promise((r) => setTimeout(r, (FRAMES - 2) * 1000))
          const seconds = (performance.now() - s0.t) / 1000
          return { server: (cpuMs(serverPid) - s0.server) / seconds, calls: (calls() - c0) / seconds }
        }
        const before = await idle()
        const watches: [string, Awaited<ReturnType<typeof watchCpu>>][] = []
        for (const mode of ['subscribe', 'reports']) watches.push([mode, await watchCpu(env, mode, serverPid)])
        const after = await idle()
        const baseServer = (before.server + after.server) / 2
        const actual = (before.calls + after.calls) / 2
        for (const [mode, w] of watches) {
          const latticePerS = w.lattice / w.seconds
          const extraServer = w.server / w.seconds - baseServer
          const per10k = (x: number) => ((x * 10_000) / actual).toFixed(1)
          ;(mode === 'reports' ? reportCpu : subCpu).set(rate, latticePerS)
          rows.push([
            String(rate),
            Math.round(actual).toString(),
            mode === 'reports' ? 'host reports' : 'subscription',
            w.observedBy.join(','),
            latticePerS.toFixed(1),
            per10k(latticePerS),
            extraServer.toFixed(1),
            per10k(extraServer),
          ])
        }
      } finally {
        t.stop()
      }
    }
    const [high, low] = [Math.max(...RATES), Math.min(...RATES)]
    const growth = (reportCpu.get(high) ?? 0) / Math.max(reportCpu.get(low) ?? 0, TICK_MS / (FRAMES - 2))
    return {
      title: 'Observing traffic (watch, verify, rollouts)',
      method: `\`lattice watch --json --interval 1s\` over ${ENTITIES} actors, each v1/v2 50/50 on two host-core hosts (reports every second), while the bench publishes one-way calls at a steady rate (the "calls/s" column is what the hosts counted). CPU from /proc/<pid>/stat (10 ms ticks) between the watch's 2nd and ${FRAMES}th frame; the server's extra CPU is nats-server's during those frames minus its mean CPU over as long with no watcher at the same rate, just before and just after (a shared machine: differences of a few ms/s are noise). "per 10k/s" scales each figure to 10,000 observed calls a second.`,
      headers: [
        'rate',
        'calls/s',
        'observed by',
        'entities by',
        'lattice CPU ms/s',
        'per 10k/s',
        'server extra CPU ms/s',
        'per 10k/s',
      ],
      rows,
      checks: [
        {
          label: `from host reports, lattice's CPU does not grow with the rate: at ${high / low}x the rate ${growth.toFixed(2)}x the CPU (at most 1.5x)`,
          pass: growth <= 1.5,
        },
        {
          label: `at ${high} calls/s, reports cost lattice less than subscription (${(reportCpu.get(high) ?? 0).toFixed(1)} vs ${(subCpu.get(high) ?? 0).toFixed(1)} ms/s)`,
          pass: (reportCpu.get(high) ?? 0) < (subCpu.get(high) ?? 0),
        },
      ],
    }
  } finally {
    for (const h of hosts) await h.close().catch(() => undefined)
    for (const c of conns) await c.close().catch(() => undefined)
    await l.stop()
  }
}
