/**
 * Benchmark 6: 50 `lattice shift` processes started at once on 50 actors, with history and
 * locking on (--state-creds, JetStream), against one shift alone. Every writer takes the state
 * lock in turn; this shows what queueing for it (and 50 processes starting on the machine's
 * CPUs) costs. No target: a figure to know.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cleanEnv } from '../test/helpers/cli.js'
import { newActorId } from '../test/helpers/ids.js'
import { startLattice } from '../test/helpers/nats-server.js'
import { RUNS, type Section, median, ms, timeProcess } from './common.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const N = 50

const shiftArgs = (actor: string, weight: number) => [
  BIN,
  'shift',
  'actor',
  actor,
  '--force',
  '--from',
  'v1',
  '--to',
  'v2',
  '--weight',
  String(weight),
  '--timeout',
  '5m',
]

/** Start N shifts at once; the time each one exited, from the common start. */
function all(env: NodeJS.ProcessEnv): Promise<number[]> {
  const start = performance.now()
  return Promise.all(
    Array.from(
      { length: N },
      (_, i) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, shiftArgs(newActorId(), i + 1), {
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          })
          let err = ''
          child.stderr.on('data', (d) => (err += d))
          child.on('exit', (code) =>
            code === 0 ? resolve(performance.now() - start) : reject(new Error(`shift exited ${code}: ${err}`)),
          )
        }),
    ),
  )
}

export async function benchConcurrent(): Promise<Section> {
  const l = await startLattice({ jetstream: true })
  try {
    const env = cleanEnv({ ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile })
    const one = () => timeProcess(process.execPath, shiftArgs(newActorId(), 30), env)
    await one()
    const singles: number[] = []
    for (let i = 0; i < RUNS; i++) singles.push(await one())
    const exits = (await all(env)).sort((a, b) => a - b)
    const single = median(singles)
    const last = exits[exits.length - 1]
    return {
      title: `${N} shifts at once`,
      method: `${N} \`lattice shift\` processes on ${N} actors started at the same moment, history and locking on (--state-creds, one JetStream server), against one shift alone (median of ${RUNS} after a warm-up). Each writer takes the state lock in turn; the others wait for it by reading the lattice state's head. Wall time from spawn to exit; a run counts only if all ${N} succeed (that each is recorded once in the history, with both CPUs kept busy, is test/integration/load.test.ts). With that many writers on a loaded machine the last waits for all the others: give them a \`--timeout\` longer than the default 30 s.`,
      headers: ['case', 'wall time', 'vs one shift'],
      rows: [
        ['one shift alone', ms(single), '1.0x'],
        [`${N} at once: first to finish`, ms(exits[0]), `${(exits[0] / single).toFixed(1)}x`],
        [`${N} at once: median`, ms(median(exits)), `${(median(exits) / single).toFixed(1)}x`],
        [`${N} at once: last to finish`, ms(last), `${(last / single).toFixed(1)}x`],
        [`${N} at once: per shift (last / ${N})`, ms(last / N), `${(last / N / single).toFixed(2)}x`],
      ],
      checks: [],
    }
  } finally {
    await l.stop()
  }
}
