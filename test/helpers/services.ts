/**
 * Services written with the official frameworks, as users write them (not lattice code): nats.js's
 * `nc.services.add`, and a Go program on nats.go's `micro` (Debian's nats.go 1.22: one endpoint)
 * built when Go is installed.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import type { LatticeFixture } from './test-lattice.js'

/**
 * A nats.js service NAME at VERSION answering with its version on each endpoint; `group`: the
 * prefix its endpoints go under (a new version's own subjects, e.g. "v1_1_0.calc").
 */
export async function jsService(
  t: Pick<LatticeFixture, 'connect' | 'track'>,
  opts: { name: string; version: string; group: string; endpoints: string[]; handler?: (data: string) => string },
): Promise<NatsConnection> {
  const nc = await t.connect()
  const srv = await nc.services.add({ name: opts.name, version: opts.version })
  const group = srv.addGroup(opts.group)
  // A handler that throws is answered with an error and counted in num_errors by the framework.
  for (const e of opts.endpoints)
    group.addEndpoint(e, (err, msg) => {
      if (err) return
      const answer = (opts.handler ?? (() => opts.version))(msg.string())
      msg.respond(answer)
    })
  t.track('host', () =>
    srv.stop().then(
      () => undefined,
      () => undefined,
    ),
  )
  return nc
}

const GO_SOURCE = join(import.meta.dirname, '..', 'fixtures', 'go-service')
const GOPATH = '/usr/share/gocode'

/** Why a Go service cannot be built here, or undefined when it can. */
export function goMissing(): string | undefined {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' })
  } catch {
    return 'Go is not installed (Debian: apt-get install -y golang-go golang-github-nats-io-go-nats-dev)'
  }
  if (!existsSync(join(GOPATH, 'src/github.com/nats-io/nats.go/micro')))
    return "nats.go's micro package is missing (Debian: apt-get install -y golang-github-nats-io-go-nats-dev)"
  return undefined
}

let built: string | undefined

/** Build the Go service once (Debian's GOPATH layout, offline). */
function goBinary(): string {
  if (built) return built
  const dir = mkdtempSync(join(tmpdir(), 'lattice-go-'))
  const out = join(dir, 'go-service')
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: GO_SOURCE,
    env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: join(dir, 'cache'), GOFLAGS: '' },
    stdio: 'pipe',
  })
  return (built = out)
}

/** A Go micro service NAME at VERSION on SUBJECT (each call taking `delayMs`), connected with the app creds; resolves once it serves. */
export async function goService(
  t: LatticeFixture,
  opts: { name: string; version: string; subject: string; delayMs?: number },
) {
  const args = [t.l.url, t.l.appCredsFile, opts.name, opts.version, opts.subject, String(opts.delayMs ?? 0)]
  const child = spawn(goBinary(), args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  t.track('run', async () => {
    child.kill('SIGKILL')
  })
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`the Go service exited (${code})`)))
  })
}
