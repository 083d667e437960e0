/**
 * `lattice demo`: the product in a minute, with nothing to set up. A local lattice (dev up in a
 * temporary directory), two hosts (host-core) serving v1 and v2 of a demo actor, real request
 * traffic, and a canary 10% -> 50% -> 100% through the same code path as `lattice shift`,
 * printing the observed split after each step. Everything is stopped at the end unless kept.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readCreds } from '../auth/creds-file.js'
import { devDown, devUp } from '../dev/local-lattice.js'
import { Host } from '../host-core/index.js'
import { type Connection, openConnection } from '../resolver/connection.js'
import { newEntityId } from '../subjects/index.js'
import { resolveTarget, withSession } from './session.js'
import { shift } from './shift.js'

export interface DemoStep {
  weight: number
  /** Percent of the observed calls each version answered. */
  observed: { v1: number; v2: number }
  calls: number
}

export interface DemoOptions {
  dir?: string
  /** How long each step sends traffic before the split is measured. */
  stepMs: number
  steps: number[]
  /** Keep the local server (and, until `stopped()`, the hosts and traffic) running at the end. */
  keep: boolean
  stopped: () => boolean
  say: (line: string) => void
}

export async function runDemo(
  opts: DemoOptions,
): Promise<{ dir: string; url: string; actor: string; steps: DemoStep[] }> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'lattice-demo-'))
  const state = await devUp(dir)
  opts.say(`local nats-server at ${state.url} (operator mode, full resolver, JetStream), keys in ${dir}`)
  const conns: Connection[] = []
  const hosts: Host[] = []
  const actor = newEntityId('actor')
  try {
    const appCreds = readCreds(state.appCreds)
    for (let i = 0; i < 3; i++)
      conns.push(await openConnection({ servers: state.url, creds: appCreds, name: 'lattice-demo' }))
    hosts.push(
      await Host.start({ nc: conns[0], lattice: 'default', hostId: 'demo-host-a' }),
      await Host.start({ nc: conns[1], lattice: 'default', hostId: 'demo-host-b' }),
    )
    await hosts[0].startActor({ id: actor, version: 'v1', count: 2, handler: () => 'v1' })
    await hosts[1].startActor({ id: actor, version: 'v2', count: 2, handler: () => 'v2' })
    opts.say(`demo-host-a runs v1, demo-host-b runs v2 of actor ${actor}`)
    const observe = () => measure(conns[2], `wasmbus.rpc.default.${actor}`, opts.stepMs)
    const first = await observe()
    opts.say(`no mapping yet: ${describe(first)} (every instance shares the unversioned subject)`)
    const target = resolveTarget(
      {
        server: state.url,
        creds: state.sysCreds,
        account: state.account,
        signingKey: state.operatorSeed,
        stateCreds: state.appCreds,
      },
      'required',
    )
    const steps: DemoStep[] = []
    await withSession(target, async (session) => {
      for (const [i, weight] of opts.steps.entries()) {
        const result = await shift(
          session,
          { entity: { kind: 'actor', id: actor }, to: 'v2', weight, ...(i === 0 ? { from: 'v1' } : {}) },
          { dryRun: false },
        )
        const step = await observe()
        steps.push({ weight, ...step })
        opts.say(`shift v2 to ${weight}% (revision ${result.revision}): ${describe(step)}`)
      }
    })
    if (opts.keep) {
      opts.say(
        `kept running: eval "$(lattice dev env --dir ${dir})" in another shell; Ctrl-C stops the hosts (the server stays until \`lattice dev down --dir ${dir}\`).`,
      )
      while (!opts.stopped()) await measure(conns[2], `wasmbus.rpc.default.${actor}`, 1000)
    }
    return { dir, url: state.url, actor, steps }
  } finally {
    await Promise.all(hosts.map((h) => h.close().catch(() => undefined)))
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)))
    if (!opts.keep) {
      await devDown(dir)
      if (!opts.dir) rmSync(dir, { recursive: true, force: true }) // our temporary keys go too
      opts.say('stopped the local server and hosts.')
    }
  }
}

function describe(s: { observed: { v1: number; v2: number }; calls: number }): string {
  return `observed over ${s.calls} calls: v1 ${s.observed.v1.toFixed(1)}%, v2 ${s.observed.v2.toFixed(1)}%`
}

/** Call `subject` steadily for `ms` and count who answered. */
async function measure(
  nc: Connection,
  subject: string,
  ms: number,
): Promise<{ observed: { v1: number; v2: number }; calls: number }> {
  const counts = { v1: 0, v2: 0 }
  const end = Date.now() + ms
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < end) {
        const who = (await nc.request(subject, new TextEncoder().encode('hi'), { timeout: 2000 })).string()
        if (who === 'v1' || who === 'v2') counts[who]++
      }
    }),
  )
  const calls = counts.v1 + counts.v2
  return { observed: { v1: (counts.v1 / calls) * 100, v2: (counts.v2 / calls) * 100 }, calls }
}
