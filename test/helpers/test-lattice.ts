/**
 * The one integration-test fixture (as nats.js's setup()/cleanup()): a test lattice that tracks
 * every host, connection, traffic loop and background CLI run opened through it, and closes them
 * all. `useTestLattice` registers the vitest hooks: what a test opens is closed after that test,
 * what the file's beforeAll opens after the file, then the servers stop.
 */
import type { NatsConnection } from 'nats'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { Host } from '../../src/host-core/index.js'
import { type Session, resolveTarget, withSession } from '../../src/ops/session.js'
import { type CliRun, background } from './cli.js'
import { type StartOptions, type TestLattice, startLattice } from './nats-server.js'
import { type Traffic, type TrafficOptions, appConnection, traffic } from './traffic.js'

export type HostStartOptions = Parameters<typeof Host.start>[0]

export interface FixtureOptions extends StartOptions {
  /** The CLI keeps its state in JetStream with the app creds (LATTICE_STATE_CREDS); implies `jetstream`. */
  state?: boolean
  /** The CLI observes traffic with the app creds (LATTICE_APP_CREDS). */
  appCreds?: boolean
}

/** The options, or a function giving them at start (e.g. an identity with an account JWT made for the test). */
export type FixtureSetup = FixtureOptions | (() => FixtureOptions | Promise<FixtureOptions>)

/** Closed in this order: what makes calls first, connections, then servers beside the lattice (a leaf). */
type Kind = 'traffic' | 'run' | 'host' | 'conn' | 'server'
const ORDER: Kind[] = ['traffic', 'run', 'host', 'conn', 'server']

export class LatticeFixture {
  private started?: TestLattice
  private opened: { kind: Kind; close: () => Promise<unknown> }[] = []
  private opts: FixtureOptions = {}

  constructor(private readonly setup: FixtureSetup = {}) {}

  /** The servers, accounts and creds (see nats-server.ts). */
  get l(): TestLattice {
    if (!this.started) throw new Error('the test lattice is not started')
    return this.started
  }

  async start(): Promise<this> {
    this.opts = typeof this.setup === 'function' ? await this.setup() : this.setup
    this.started = await startLattice({ ...this.opts, jetstream: this.opts.jetstream || this.opts.state })
    return this
  }

  /** Env that makes `lattice` talk to this lattice, with the state and app creds the options ask for. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const l = this.l
    return {
      ...l.env(),
      ...(this.opts.state ? { LATTICE_STATE_CREDS: l.appCredsFile } : {}),
      ...(this.opts.appCreds ? { LATTICE_APP_CREDS: l.appCredsFile } : {}),
      ...extra,
    }
  }

  /**
   * Run `fn` in a session opened as a changing command opens one (system creds, the operator's
   * signing key, the application account; the state with `state`): for tests that call src/ directly.
   */
  withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const l = this.l
    const target = resolveTarget(
      {
        server: l.url,
        creds: l.sysCredsFile,
        signingKey: l.operatorSeedFile,
        account: l.appAccount,
        ...(this.opts.state ? { stateCreds: l.appCredsFile } : {}),
      },
      'required',
    )
    return withSession(target, fn)
  }

  /** A connection to the application account (or `creds`), closed at cleanup. */
  async connect(creds = this.l.appCredsFile, url = this.l.url): Promise<NatsConnection> {
    const nc = await appConnection(url, creds)
    this.track('conn', () => nc.close())
    return nc
  }

  /** A host-core host (lattice "default"; no `hostId`: a random one) on a connection of its own unless `opts` give `nc` or `servers`. */
  async host(hostId?: string, opts: Partial<HostStartOptions> = {}): Promise<Host> {
    const own = opts.nc || opts.servers ? {} : { nc: await this.connect() }
    const host = await Host.start({ lattice: 'default', hostId, ...own, ...opts })
    this.track('host', () => host.close())
    return host
  }

  /** `n` hosts h0, h1, ... (each on its own connection). */
  hosts(n: number, opts: Partial<HostStartOptions> = {}): Promise<Host[]> {
    return Promise.all(Array.from({ length: n }, (_, i) => this.host(`h${i}`, opts)))
  }

  /** Calls on `subject` until stopped (see traffic.ts), on a connection of their own. */
  async traffic(subject: string, opts: TrafficOptions = {}): Promise<Traffic> {
    const t = traffic(await this.connect(), subject, opts)
    this.track('traffic', () => t.stop())
    return t
  }

  /** Start `lattice` in the background (killed at cleanup if still running). */
  background(args: string[], env: Record<string, string> = this.env()): CliRun {
    const run = background(args, env)
    this.track('run', () => run.stop())
    return run
  }

  /** Close what was opened through the fixture since the `from`th thing (default: everything), newest kinds first. */
  async cleanup(from = 0): Promise<void> {
    const closing = this.opened.splice(from)
    for (const kind of ORDER) await Promise.all(closing.filter((x) => x.kind === kind).map((x) => x.close()))
  }

  /** Everything closed, the servers stopped. */
  async stop(): Promise<void> {
    try {
      await this.cleanup()
    } finally {
      await this.started?.stop()
    }
  }

  /** How many things are open (a mark for `cleanup`). */
  get openCount(): number {
    return this.opened.length
  }

  /** Close `close` at cleanup, in the group of `kind`. */
  track(kind: Kind, close: () => Promise<unknown>): void {
    this.opened.push({ kind, close })
  }
}

/** Start a test lattice for one test or block; `stop()` it in `finally`. */
export function startTestLattice(opts: FixtureSetup = {}): Promise<LatticeFixture> {
  return new LatticeFixture(opts).start()
}

/** A test lattice for this file: started before all tests, what each test opens closed after it, stopped after all. */
export function useTestLattice(opts: FixtureSetup = {}, startTimeoutMs?: number): LatticeFixture {
  const t = new LatticeFixture(opts)
  let mark = 0
  beforeAll(() => t.start(), startTimeoutMs)
  beforeEach(() => {
    mark = t.openCount
  })
  afterEach(() => t.cleanup(mark))
  afterAll(() => t.stop())
  return t
}

/** A handler answering `version` that fails every `n`th call (1: every call) with `message`. */
export function failingEvery(n: number, version: string, message = `${version} failed this call`): () => string {
  let calls = 0
  return () => {
    if (++calls % n === 0) throw new Error(message)
    return version
  }
}
