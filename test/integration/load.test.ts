/**
 * Concurrency under load: 50 `lattice shift` processes on 50 entities at once, while busy
 * loops keep every CPU of the machine occupied. Every one must succeed (handshakes the server
 * cuts short are retried, writers queue for the state lock), every mapping must be live, and
 * with state on each change must be recorded exactly once. The last writer waits for 49 others
 * on a machine with no CPU to spare, so the deadline is generous (the default 30s is for one).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { cpus } from 'node:os'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type CliResult, background, json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveClaims } from '../helpers/live.js'
import { type TestLattice, startLattice } from '../helpers/nats-server.js'

const N = 50

let l: TestLattice

beforeAll(async () => {
  l = await startLattice({ jetstream: true })
})
afterAll(async () => {
  await l?.stop()
})

/** One busy loop per CPU, as separate processes; each ends by itself after 5 minutes even if this test process dies. */
function loadGenerator(): ChildProcess[] {
  const procs = cpus().map(() =>
    spawn(process.execPath, ['-e', 'const end = Date.now() + 300_000; while (Date.now() < end) {}'], {
      stdio: 'ignore',
    }),
  )
  process.once('exit', () => procs.forEach((p) => p.kill('SIGKILL')))
  return procs
}

async function stop(procs: ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.map((p) =>
      p.exitCode !== null || p.signalCode !== null
        ? undefined
        : new Promise((r) => (p.once('exit', r), p.kill('SIGKILL'))),
    ),
  )
}

function shift(actor: string, weight: number, env: Record<string, string>): Promise<CliResult> {
  return background(
    ['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', String(weight), '--timeout', '4m'],
    env,
  ).done
}

it(`${N} shifts at once on a machine with every CPU busy: all succeed, all live, each recorded once`, async () => {
  const env = { ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile }
  const actors = Array.from({ length: N }, () => newActorId())
  const load = loadGenerator()
  let results: CliResult[]
  try {
    results = await Promise.all(actors.map((a, i) => shift(a, (i % 99) + 1, env)))
  } finally {
    await stop(load)
  }
  const failed = results.flatMap((r, i) => (r.code === 0 ? [] : [`${actors[i]}: exit ${r.code}: ${r.stderr.trim()}`]))
  expect(failed).toEqual([])

  const mappings = (await liveClaims(l)).nats.mappings as Record<string, { weight: number }[]>
  const history = json<{ revisions: { revision: number; changes: { entity: { id: string } }[] }[] }>(
    await lattice(['history', '--json'], env),
  )
  // A mapping missing although its shift exited 0 was seen once (2.9.10, a loaded machine): say what
  // that shift printed and what the history holds, so that the next one can be explained.
  const lost = actors.flatMap((a, i) => (mappings[`wasmbus.rpc.default.${a}`] ? [] : [`${a}: ${results[i].stdout}`]))
  const context = lost.length ? `\n${lost.join('\n')}\nhistory: ${JSON.stringify(history.revisions)}` : ''
  for (const [i, a] of actors.entries()) {
    const w = (i % 99) + 1
    expect(
      mappings[`wasmbus.rpc.default.${a}`]?.map((d) => d.weight).sort((x, y) => x - y),
      `${a}${context}`,
    ).toEqual([w, 100 - w].sort((x, y) => x - y))
  }
  for (const a of actors)
    expect(
      history.revisions.filter((r) => r.changes.some((c) => c.entity.id === a)),
      a,
    ).toHaveLength(1)
  const numbers = history.revisions.map((r) => r.revision)
  expect(new Set(numbers).size).toBe(numbers.length)
}, 360_000)
