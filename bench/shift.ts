/**
 * Benchmark 1: `lattice shift` end to end (process start -> every server acknowledged -> each
 * server's installed JWT checked) against a minimal nats.js script that only looks up, signs
 * and pushes (bench/baseline-shift.mjs). Target: at most 1.5x.
 * Benchmark 5: shift-to-effect: from the command's start to the first message a publisher's
 * traffic delivers to the new version, on one node and on a 3-node cluster.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { NatsConnection } from 'nats'
import { cleanEnv } from '../test/helpers/cli.js'
import { newActorId } from '../test/helpers/ids.js'
import { type TestLattice, startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
import { versionedSubject, versionToken } from '../src/subjects/index.js'
import { RUNS, type Section, median, ms, timeProcess } from './common.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const BASELINE = fileURLToPath(new URL('./baseline-shift.mjs', import.meta.url))

const lattice = (l: TestLattice, args: string[]) => timeProcess(process.execPath, [BIN, ...args], cleanEnv(l.env()))

async function endToEnd(l: TestLattice): Promise<{ lattice: number; baseline: number }> {
  const ours = newActorId()
  const theirs = newActorId()
  const source = `wasmbus.rpc.default.${theirs}`
  const weightAt = (i: number) => String(10 + ((i * 7) % 80))
  const runLattice = (i: number) => lattice(l, ['shift', 'actor', ours, '--from', 'v1', '--to', 'v2', '--weight', weightAt(i), '--force'])
  const runBaseline = (i: number) =>
    timeProcess(process.execPath, [BASELINE, l.urls, l.sysCredsFile, l.operatorSeedFile, l.appAccount, source, `${source}.${versionToken('v1')}`, `${source}.${versionToken('v2')}`, weightAt(i), String(l.nodes.length)])
  await runLattice(-1)
  await runBaseline(-1)
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < RUNS; i++) {
    a.push(await runLattice(i))
    b.push(await runBaseline(i))
  }
  return { lattice: median(a), baseline: median(b) }
}

/** From spawning `lattice shift` to the first message on the new version's subject. */
async function toEffect(l: TestLattice): Promise<{ effect: number; exit: number }> {
  const actor = newActorId()
  const entity = { kind: 'actor' as const, id: actor }
  const sub: NatsConnection = await appConnection(l.nodes[0].clientUrl, l.appCredsFile)
  const pub: NatsConnection = await appConnection(l.nodes[l.nodes.length - 1].clientUrl, l.appCredsFile)
  let firstOnV2: (() => void) | undefined
  sub.subscribe(versionedSubject('default', entity, 'v1'), { queue: 'q', callback: () => undefined })
  sub.subscribe(versionedSubject('default', entity, 'v2'), { queue: 'q', callback: () => firstOnV2?.() })
  await sub.flush()
  const timer = setInterval(() => pub.publish(`wasmbus.rpc.default.${actor}`), 1)
  const effects: number[] = []
  const exits: number[] = []
  try {
    for (let i = -1; i < RUNS; i++) {
      await lattice(l, ['shift', 'actor', actor, '--to', 'v1', '--weight', '100', '--from', 'v2'])
      await new Promise((r) => setTimeout(r, 50)) // in-flight messages to v2 drain
      const start = performance.now()
      const seen = new Promise<number>((resolve) => (firstOnV2 = () => ((firstOnV2 = undefined), resolve(performance.now() - start))))
      const child = spawn(process.execPath, [BIN, 'shift', 'actor', actor, '--to', 'v2', '--weight', '100', '--from', 'v1'], { env: cleanEnv(l.env()), stdio: 'ignore' })
      const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now() - start)))
      const [effect, exit] = await Promise.all([seen, exited])
      if (i >= 0) {
        effects.push(effect)
        exits.push(exit)
      }
    }
  } finally {
    clearInterval(timer)
    await sub.close()
    await pub.close()
  }
  return { effect: median(effects), exit: median(exits) }
}

export async function benchShift(): Promise<Section[]> {
  const results: { nodes: number; e2e: { lattice: number; baseline: number }; effect: { effect: number; exit: number } }[] = []
  for (const nodes of [1, 3]) {
    const l = await startLattice({ nodes })
    try {
      results.push({ nodes, e2e: await endToEnd(l), effect: await toEffect(l) })
    } finally {
      await l.stop()
    }
  }
  const ratio = (r: (typeof results)[number]) => r.e2e.lattice / r.e2e.baseline
  return [
    {
      title: 'lattice shift, end to end',
      method: `Process start to exit: \`lattice shift\` (reads every resolver's JWT, pings the servers, readiness gate skipped with --force, signs, pushes, checks what every server installed) against bench/baseline-shift.mjs (lookup, sign, push, wait for every acknowledgement). ${RUNS} alternating runs after a warm-up; medians.`,
      headers: ['servers', 'lattice shift', 'baseline script', 'ratio'],
      rows: results.map((r) => [String(r.nodes), ms(r.e2e.lattice), ms(r.e2e.baseline), `${ratio(r).toFixed(2)}x`]),
      checks: results.map((r) => ({ label: `${r.nodes} server${r.nodes > 1 ? 's' : ''}: at most 1.5x the baseline (${ratio(r).toFixed(2)}x)`, pass: ratio(r) <= 1.5 })),
    },
    {
      title: 'Shift to effect',
      method: `A publisher sends to the unversioned subject every millisecond (on the last node); from spawning \`lattice shift --to v2 --weight 100\` to the first message delivered to v2's subscriber (on the first node), and to the command's exit. ${RUNS} runs; medians.`,
      headers: ['servers', 'first message on v2', 'command exit'],
      rows: results.map((r) => [String(r.nodes), ms(r.effect.effect), ms(r.effect.exit)]),
      checks: [],
    },
  ]
}
