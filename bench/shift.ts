/**
 * Benchmark 1: `lattice shift` end to end (process start -> every server acknowledged -> each
 * server's installed JWT checked) against a minimal nats.js script that only looks up, signs
 * and pushes (bench/baseline-shift.mjs), without and with history, and each one's peak memory.
 * Targets: at most 1.0x its time, 1.1x its memory.
 * Benchmark 5: shift-to-effect: from the command's start to the first message a publisher's
 * traffic delivers to the new version, on one node and on a 3-node cluster.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type NatsConnection, RequestStrategy } from 'nats'
import { createAccount } from 'nkeys.js'
import { encodeAccount } from 'nats-jwt'
import { cleanEnv } from '../test/helpers/cli.js'
import { newActorId } from '../test/helpers/ids.js'
import { type TestLattice, startLattice } from '../test/helpers/nats-server.js'
import { appConnection } from '../test/helpers/traffic.js'
import { JETSTREAM_LIMITS } from '../src/dev/identity.js'
import { versionedSubject, versionToken } from '../src/subjects/index.js'
import { RUNS, type Section, measureNode, median, ms, timeProcess } from './common.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const BASELINE = fileURLToPath(new URL('./baseline-shift.mjs', import.meta.url))

const lattice = (l: TestLattice, args: string[]) => timeProcess(process.execPath, [BIN, ...args], cleanEnv(l.env()))

interface Measured {
  ms: number
  maxRssKiB: number
}
interface EndToEnd {
  baseline: Measured
  lattice: Measured
  /** With history and locking (--state-creds): the state bucket's cost on top. */
  history: Measured
}

/**
 * The script, lattice without history and lattice with history, in turn, each round (so that
 * the machine's load falls on all three alike); medians. Each lattice case shifts its own actor:
 * the runs without history would otherwise be drift to the ones with.
 */
async function endToEnd(l: TestLattice): Promise<EndToEnd> {
  const [plain, recorded, theirs] = [newActorId(), newActorId(), newActorId()]
  const source = `wasmbus.rpc.default.${theirs}`
  // The script and lattice without history change an account lattice's history does not follow
  // (a second account like the first): on the recorded one, each of their pushes would be drift
  // that every run with history first records as a revision of its own (an extra read of the
  // live state and a write: ~45 ms), which is not what a shift with history costs.
  const other = await secondAccount(l)
  const otherEnv = { ...l.env(), LATTICE_ACCOUNT: other }
  const weightAt = (i: number) => String(10 + ((i * 7) % 80))
  const shift = (actor: string, i: number, env: Record<string, string>) =>
    measureNode(
      [BIN, 'shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', weightAt(i), '--force'],
      cleanEnv(env),
    )
  const cases: Record<keyof EndToEnd, (i: number) => Promise<Measured>> = {
    baseline: (i) =>
      measureNode([
        BASELINE,
        l.urls,
        l.sysCredsFile,
        l.operatorSeedFile,
        other,
        source,
        `${source}.${versionToken('v1')}`,
        `${source}.${versionToken('v2')}`,
        weightAt(i),
        String(l.nodes.length),
      ]),
    lattice: (i) => shift(plain, i, otherEnv),
    history: (i) => shift(recorded, i, { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile }),
  }
  const names = Object.keys(cases) as (keyof EndToEnd)[]
  for (const n of names) await cases[n](-1) // warm-up (and the state bucket created)
  const runs = Object.fromEntries(names.map((n) => [n, [] as Measured[]])) as Record<keyof EndToEnd, Measured[]>
  for (let i = 0; i < RUNS; i++) for (const n of names) runs[n].push(await cases[n](i))
  const med = (xs: Measured[]) => ({ ms: median(xs.map((x) => x.ms)), maxRssKiB: median(xs.map((x) => x.maxRssKiB)) })
  return { baseline: med(runs.baseline), lattice: med(runs.lattice), history: med(runs.history) }
}

/** A second application account, made like the first (same limits) and pushed to every resolver. */
async function secondAccount(l: TestLattice): Promise<string> {
  const account = createAccount()
  const jwt = await encodeAccount('APP2', account, { limits: JETSTREAM_LIMITS } as never, { signer: l.id.operator })
  const sys = await appConnection(l.urls, l.sysCredsFile)
  try {
    let acks = 0
    for await (const m of await sys.requestMany('$SYS.REQ.CLAIMS.UPDATE', new TextEncoder().encode(jwt), {
      strategy: RequestStrategy.Count,
      maxMessages: l.nodes.length,
      maxWait: 5000,
    }))
      if (m.data.length) acks++
    if (acks < l.nodes.length) throw new Error(`only ${acks} of ${l.nodes.length} servers took the second account`)
  } finally {
    await sys.close()
  }
  return account.getPublicKey()
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
      const seen = new Promise<number>(
        (resolve) => (firstOnV2 = () => ((firstOnV2 = undefined), resolve(performance.now() - start))),
      )
      const child = spawn(
        process.execPath,
        [BIN, 'shift', 'actor', actor, '--to', 'v2', '--weight', '100', '--from', 'v1'],
        { env: cleanEnv(l.env()), stdio: 'ignore' },
      )
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
  const results: { nodes: number; e2e: EndToEnd; effect: { effect: number; exit: number } }[] = []
  for (const nodes of [1, 3]) {
    const l = await startLattice({ nodes, jetstream: true })
    try {
      results.push({ nodes, e2e: await endToEnd(l), effect: await toEffect(l) })
    } finally {
      await l.stop()
    }
  }
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`
  const servers = (n: number) => `${n} server${n > 1 ? 's' : ''}`
  return [
    {
      title: 'lattice shift, end to end',
      method: `Process start to exit: \`lattice shift\` (reads every resolver's JWT, pings the servers, readiness gate skipped with --force, signs, pushes, checks what every server installed) against bench/baseline-shift.mjs (lookup, sign, push, wait for every acknowledgement; no history). Without history, and with it (--state-creds: the lock, the intent and the record in the state bucket, the bucket's connection). The script and lattice without history change a second account made like the first, so that the runs with history do not find their pushes as drift to record. ${RUNS} rounds of the three in turn after a warm-up; medians.`,
      headers: ['servers', 'baseline script', 'lattice shift', 'vs script', 'with history', 'vs without', 'vs script'],
      rows: results.map(({ nodes, e2e: r }) => [
        String(nodes),
        ms(r.baseline.ms),
        ms(r.lattice.ms),
        x(r.lattice.ms, r.baseline.ms),
        ms(r.history.ms),
        x(r.history.ms, r.lattice.ms),
        x(r.history.ms, r.baseline.ms),
      ]),
      checks: results.flatMap(({ nodes, e2e: r }) => [
        {
          label: `${servers(nodes)}, without history: at most 1.0x the script (${x(r.lattice.ms, r.baseline.ms)})`,
          pass: r.lattice.ms <= r.baseline.ms,
        },
        {
          label: `${servers(nodes)}, with history: at most 1.0x the script (${x(r.history.ms, r.baseline.ms)}; ${stateCost(r.history.ms - r.lattice.ms)})`,
          pass: r.history.ms <= r.baseline.ms,
        },
      ]),
    },
    {
      title: 'lattice shift, peak memory',
      method:
        'maxRSS of each process of the runs above, as it exits (process.resourceUsage(), preloaded with bench/max-rss.mjs on both sides); medians.',
      headers: ['servers', 'baseline script', 'lattice shift', 'vs script', 'with history', 'vs script'],
      rows: results.map(({ nodes, e2e: r }) => [
        String(nodes),
        mib(r.baseline.maxRssKiB),
        mib(r.lattice.maxRssKiB),
        x(r.lattice.maxRssKiB, r.baseline.maxRssKiB),
        mib(r.history.maxRssKiB),
        x(r.history.maxRssKiB, r.baseline.maxRssKiB),
      ]),
      checks: results.flatMap(({ nodes, e2e: r }) => [
        {
          label: `${servers(nodes)}, without history: at most 1.1x the script's (${x(r.lattice.maxRssKiB, r.baseline.maxRssKiB)})`,
          pass: r.lattice.maxRssKiB <= 1.1 * r.baseline.maxRssKiB,
        },
        {
          label: `${servers(nodes)}, with history: at most 1.1x the script's (${x(r.history.maxRssKiB, r.baseline.maxRssKiB)})`,
          pass: r.history.maxRssKiB <= 1.1 * r.baseline.maxRssKiB,
        },
      ]),
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

/** The state bucket's cost, the difference of two medians: below zero it is lost in the noise. */
function stateCost(diff: number): string {
  return diff > 0 ? `the state bucket costs ${ms(diff)}` : `the state bucket's cost is within the noise (${ms(diff)})`
}
