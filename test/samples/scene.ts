/**
 * The set-up the doc samples share, on the test fixture (test/helpers/test-lattice.ts): a real
 * nats-server (operator mode, full resolver, JetStream), one host-core host running the entity
 * versions a sample needs, steady callers, a working dir for spec files, and a Transcript over
 * the lattice's env.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Host } from '../../src/host-core/index.js'
import { encodePublicKey } from '../../src/subjects/index.js'
import type { StartOptions, TestLattice } from '../helpers/nats-server.js'
import { startTestLattice } from '../helpers/test-lattice.js'
import { traffic } from '../helpers/traffic.js'
import { blocks } from './doc-blocks.js'
import { Transcript } from './sample.js'

export interface Running {
  actor?: string
  provider?: string
  link?: string
  versions: string[]
  count?: number
  /** What each version answers (default: its version); throwing makes an error reply. */
  handler?: (version: string) => () => string | Promise<string>
}

export interface Scene {
  l: TestLattice
  /** host-a, started with the scene (it reports metrics, as host-core hosts do). */
  host: Host
  /** Where spec files are written and commands run. */
  dir: string
  env(): Record<string, string>
  /** Start entity versions on a host (started on first use; `metrics: false`: one that does not report). */
  run(entities: Running[], on?: { hostId: string; metrics?: false }): Promise<void>
  /** A transcript of commands run in `dir`. */
  transcript(): Transcript
  write(file: string, text: string): void
  /** Calls to `subject`, `parallel` at a time, until the scene stops. */
  traffic(subject: string, parallel?: number): void
  stop(): Promise<void>
}

export async function startScene(opts: StartOptions = {}): Promise<Scene> {
  const t = await startTestLattice({ state: true, appCreds: true, ...opts })
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sample-'))
  // One connection for the hosts, one for the callers.
  const [hostConn, callerConn] = [await t.connect(), await t.connect()]
  const hosts = new Map<string, Host>()
  const hostFor = async (on: { hostId: string; metrics?: false }) => {
    if (!hosts.has(on.hostId)) hosts.set(on.hostId, await t.host(on.hostId, { nc: hostConn, metrics: on.metrics }))
    return hosts.get(on.hostId) as Host
  }
  const host = await hostFor({ hostId: 'host-a' })
  const env = () => t.env()
  return {
    l: t.l,
    host,
    dir,
    env,
    async run(entities, on = { hostId: 'host-a' }) {
      const host = await hostFor(on)
      for (const e of entities) {
        for (const version of e.versions) {
          const handler = e.handler?.(version) ?? (() => version)
          if (e.actor) await host.startActor({ id: e.actor, version, count: e.count, handler })
          else await host.startProvider({ id: e.provider as string, link: e.link, version, count: e.count, handler })
        }
      }
    },
    transcript: () => new Transcript(env, dir, [[dir, '/tmp/demo']]),
    write: (file, text) => writeFileSync(join(dir, file), text),
    traffic(subject, parallel = 10) {
      const calls = traffic(callerConn, subject, { batch: parallel, payload: new TextEncoder().encode('{"ping":1}') })
      t.track('traffic', () => calls.stop())
    },
    async stop() {
      await t.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A fixed entity ID (the same in every run, so a regenerated sample keeps it): the n-th actor. */
export const fixedActor = (n: number) => encodePublicKey('module', new Uint8Array(32).fill(n))
export const fixedProvider = (n: number) => encodePublicKey('service', new Uint8Array(32).fill(n))

/** The body of a doc's n-th fenced block in language `lang` (a spec the doc shows, used as written). */
export function docBlock(file: string, lang: string, n = 0): string {
  const found = blocks(file).filter((b) => b.lang === lang)
  if (!found[n]) throw new Error(`${file} has no ${lang} block #${n}`)
  return `${found[n].body}\n`
}
