import { Flags } from '@oclif/core'
import { LatticeCommand, appFlags, connectionFlags, observeFlags, signingFlags } from '../src/cli/base.js'
import { untilInterrupted } from '../src/cli/interrupt.js'
import { resolveTarget } from '../src/ops/session.js'
import { parseDuration } from '../src/plan/duration.js'
import type { ObserveMode } from '../src/traffic/observation.js'

/** 7420: unassigned by IANA, clear of the usual development ports (3000, 8080, 8888) and of NATS's 4222/6222/8222. */
export const DEFAULT_PORT = 7420

export default class Dashboard extends LatticeCommand {
  static override summary =
    'Serve a live web dashboard of the lattice (entities, observed split, rollouts, history, servers) from this process.'
  static override description = `Prints a URL with a per-run secret token (http://127.0.0.1:${DEFAULT_PORT}/?token=...) and serves the page until Ctrl-C. The page is live (server-sent events): every routed entity with its weights, instances and the observed split of the last 15 minutes; the rollouts with Abort and Promote (exactly \`lattice rollout abort|promote\`); the history with Roll back (exactly \`lattice rollback --to N\`); the servers and whether they run the newest JWT.
Observing the split needs --app-creds; rollouts and history need --state-creds; actions that change the JWT need the signing key. Actions are POSTs carrying the token in a header and are refused from other origins; --read-only hides and refuses them.
The server listens on 127.0.0.1 only. Another --host needs --allow-remote: the token and every action would travel in plain HTTP; prefer an SSH tunnel.`

  static override examples = [
    {
      description: 'Serve it on http://127.0.0.1:7420 and open a browser',
      command: '<%= config.bin %> <%= command.id %> --open',
    },
    { description: 'Look, never act', command: '<%= config.bin %> <%= command.id %> --read-only' },
    {
      description: 'Any free port; print {url, host, port, readOnly, warnings} as one JSON line for a script',
      command: '<%= config.bin %> <%= command.id %> --port 0 --json',
    },
    {
      description: 'From another machine, through an SSH tunnel (keeps the default 127.0.0.1)',
      command: 'ssh -L 7420:127.0.0.1:7420 ops-box <%= config.bin %> <%= command.id %>',
    },
  ]

  static override ndjson = true
  static override longRunning = true
  static override flags = {
    ...connectionFlags,
    ...appFlags,
    ...signingFlags,
    ...observeFlags,
    port: Flags.integer({
      min: 0,
      max: 65535,
      default: DEFAULT_PORT,
      summary: 'Port to listen on (0: any free port).',
    }),
    host: Flags.string({
      default: '127.0.0.1',
      summary: 'Address to listen on; a non-loopback one needs --allow-remote.',
    }),
    'allow-remote': Flags.boolean({
      default: false,
      summary: 'Allow a --host other machines can reach (the token travels in plain HTTP: risky).',
    }),
    open: Flags.boolean({ default: false, summary: 'Open the URL in the default browser.' }),
    'read-only': Flags.boolean({ default: false, summary: 'Hide and refuse every action (abort, promote, rollback).' }),
    interval: Flags.string({ summary: 'Time between frames.', default: '1s' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Dashboard)
    const intervalMs = parseDuration(flags.interval, '--interval')
    // Loaded here: the dashboard's code stays out of every other command's start-up.
    const { checkHost, openBrowser, runDashboard } = await import('../src/dashboard/run-dashboard.js')
    checkHost(flags.host, flags['allow-remote'])
    const target = resolveTarget(this.targetOptions(flags), flags['read-only'] ? 'none' : 'optional')
    const opts = {
      host: flags.host,
      port: flags.port,
      allowRemote: flags['allow-remote'],
      readOnly: flags['read-only'],
      intervalMs,
      observe: flags.observe as ObserveMode,
      version: this.config.version,
    }
    await untilInterrupted((stopped) =>
      runDashboard(target, opts, stopped, (l) => {
        this.warnAll(l.warnings)
        if (this.jsonEnabled())
          this.logJson({ url: l.url, host: l.host, port: l.port, readOnly: l.readOnly, warnings: l.warnings })
        else this.log(`lattice dashboard: ${l.url}${l.readOnly ? ' (read-only)' : ''}\nCtrl-C stops it.`)
        if (flags.open) openBrowser(l.url, (w) => this.warnAll([w]))
      }),
    )
  }
}
