/** `lattice dashboard`: the feed and the server together, until interrupted. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LatticeError } from '../errors.js'
import { envWithoutSecrets } from '../redact.js'
import type { Target } from '../ops/session.js'
import type { ObserveMode } from '../traffic/observation.js'
import { runAction } from './actions.js'
import { Feed } from './feed.js'
import { type Hello, WINDOW_MS } from './model.js'
import { hostPart, isLoopback, newToken } from './security.js'
import { DashboardServer } from './server.js'

export interface DashboardOptions {
  host: string
  port: number
  allowRemote: boolean
  readOnly: boolean
  intervalMs: number
  observe: ObserveMode
  version: string
}

export interface Listening {
  url: string
  host: string
  port: number
  readOnly: boolean
  warnings: string[]
}

/** Binding beyond this machine needs --allow-remote: the token and the actions would cross the network in plain HTTP. */
export function checkHost(host: string, allowRemote: boolean): string | undefined {
  if (isLoopback(host)) return undefined
  const why = `the page, its token and every action travel in plain HTTP (no TLS) between ${host} and the browser: anyone who can read that traffic can take the token and abort rollouts or roll back the lattice`
  if (!allowRemote) {
    throw new LatticeError(
      'REMOTE_NOT_ALLOWED',
      `--host ${host} would let other machines reach the dashboard, and ${why}.`,
      {
        hint: 'Keep the default --host 127.0.0.1 and reach it through an SSH tunnel (ssh -L 7420:127.0.0.1:7420 ...), or pass --allow-remote if you accept the risk (add --read-only to take no action).',
      },
    )
  }
  return `Listening on ${host} (--allow-remote): ${why}.`
}

/** dist/dashboard-page, from a command's bundle (dist/direct/...), tsc's output (dist/src/...) or the sources (tests). */
export function pageDir(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from), i = 0; i < 5; i++, dir = dirname(dir)) {
    for (const candidate of [join(dir, 'dashboard-page'), join(dir, 'dist', 'dashboard-page')])
      if (existsSync(join(candidate, 'index.html'))) return candidate
  }
  throw new Error('The dashboard page (dist/dashboard-page) is missing: run `npm run build`.')
}

/** Open `url` in the default browser, detached; a failure is only a warning. */
export function openBrowser(url: string, warn: (text: string) => void): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  try {
    // The browser gets no seed: it is a program of its own, with child processes and crash reports.
    const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore', env: envWithoutSecrets() })
    child.on('error', (e) => warn(`Could not open a browser (${cmd}: ${e.message}); open the URL yourself.`))
    child.unref()
  } catch (e) {
    warn(`Could not open a browser (${(e as Error).message}); open the URL yourself.`)
  }
}

/** Serve the dashboard until `stopped`; `onListening` once the port is bound. */
export async function runDashboard(
  target: Target,
  opts: DashboardOptions,
  stopped: () => boolean,
  onListening: (l: Listening) => void,
): Promise<void> {
  const warnings: string[] = []
  const remote = checkHost(opts.host, opts.allowRemote)
  if (remote) warnings.push(remote)
  if (!target.appCreds)
    warnings.push(
      'No --app-creds (LATTICE_APP_CREDS): the dashboard shows weights and instances, but not the observed split (observing calls needs an application-account user).',
    )
  if (!target.stateCreds) warnings.push('No --state-creds (LATTICE_STATE_CREDS): no rollouts and no history.')
  if (!opts.readOnly && !target.signer)
    warnings.push(
      'No signing key: Abort (of a rollout whose runner is gone) and Roll back will be refused; pass --signing-key, or --read-only.',
    )
  const hello: Hello = {
    lattice: target.lattice,
    account: target.account,
    readOnly: opts.readOnly,
    version: opts.version,
    intervalMs: opts.intervalMs,
    windowMs: WINDOW_MS,
    observing: Boolean(target.appCreds),
    warnings,
  }
  const token = newToken()
  let server: DashboardServer | undefined
  const feed = new Feed(
    target,
    { intervalMs: opts.intervalMs, observe: opts.observe, readOnly: opts.readOnly, windowMs: WINDOW_MS },
    (event, data) => server?.broadcast(event, data),
  )
  server = new DashboardServer({
    host: opts.host,
    port: opts.port,
    token,
    readOnly: opts.readOnly,
    pageDir: pageDir(),
    hello,
    feed: {
      latest: feed.latest,
      backfill: () => feed.series.backfill(),
      act: async (path, body) => {
        const answer = await runAction(feed.session, path, body)
        // The page sees the result at once, not at the next refresh.
        await feed.refreshAfterAction()
        return answer
      },
    },
  })
  const port = await server.listen()
  try {
    onListening({
      url: `http://${hostPart(opts.host)}:${port}/?token=${token}`,
      host: opts.host,
      port,
      readOnly: opts.readOnly,
      warnings,
    })
    await feed.run(stopped)
  } finally {
    await server.close()
  }
}
