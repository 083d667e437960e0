/**
 * The base of every lattice command: the global NATS flags (each with its env var), --json,
 * and one way of reporting errors (code, message, hint; no stack trace for user errors).
 */
import { Flags, type Interfaces } from '@oclif/core'
import { DEFAULT_TIMEOUT, Deadline, parseTimeout } from '../deadline.js'
import { ExitCode, isLatticeError } from '../errors.js'
import { UNRECORDED_COMMAND, containsSecret, urlOrigin } from '../redact.js'
import { type Paint, colourFor } from '../views/colour.js'
import { Command, type ParsedOutput } from './direct/command.js'
import { refuseMisplacedSecrets } from './misplaced-secret.js'
import { spinnerEnabled, withSpinner } from './spinner.js'
import { usageHint, usageMessage } from './usage.js'
import { connectionLost, isNetworkFault } from '../resolver/link.js'
import { redactUrl } from '../resolver/url.js'
import type { ChangeOptions } from '../ops/change.js'
import { DEFAULT_SERVER } from '../ops/lattice-name.js'
import type { TargetOptions } from '../ops/session.js'
import { DEFAULT_LATTICE } from '../subjects/index.js'

export const connectionFlags = {
  server: Flags.string({
    char: 's',
    env: 'NATS_URL',
    summary: `NATS server URL(s), comma-separated [default: the nats context's, else ${DEFAULT_SERVER}].`,
    helpGroup: 'CONNECTION',
  }),
  context: Flags.string({
    env: 'NATS_CONTEXT',
    summary: 'nats CLI context for the URL and creds [default: the selected one] (flags and NATS_URL/NATS_CREDS win).',
    helpGroup: 'CONNECTION',
  }),
  creds: Flags.string({ env: 'NATS_CREDS', summary: 'Creds file of a system-account user.', helpGroup: 'CONNECTION' }),
  account: Flags.string({
    env: 'LATTICE_ACCOUNT',
    summary: 'Public key (A...) of the account whose JWT carries the mappings.',
    helpGroup: 'CONNECTION',
  }),
  'state-creds': Flags.string({
    env: 'LATTICE_STATE_CREDS',
    summary: 'Creds of a user in an account with JetStream: turns on history, locking and rollback.',
    helpGroup: 'CONNECTION',
  }),
  nsc: Flags.boolean({
    summary:
      'Take the account (--account may be its name) and the signing key from the nsc store; write pushed JWTs back into it.',
    default: false,
    helpGroup: 'CONNECTION',
  }),
  operator: Flags.string({
    summary: 'With --nsc: the operator in the store [default: the only one].',
    helpGroup: 'CONNECTION',
  }),
  lattice: Flags.string({
    env: 'LATTICE_ID',
    summary: `Lattice name, one subject token [default: ${DEFAULT_LATTICE}].`,
    helpGroup: 'CONNECTION',
  }),
  timeout: Flags.string({
    env: 'LATTICE_TIMEOUT',
    summary: `Give up (exit 5, DEADLINE, naming the step under way) after this long (10s, 2m; 0 or none: never) [default: ${DEFAULT_TIMEOUT}]. Rollouts, watch, verify and fault --for: per connection and per change.`,
    helpGroup: 'CONNECTION',
  }),
}

/** For commands that change routing: the deliberate way through when the state is down (docs/safety.md). */
export const withoutStateFlag = {
  'without-state': Flags.boolean({
    summary:
      'Emergency only: if the state (--state-creds) cannot be opened, push anyway, with no lock and no history (loudly warned); the change is saved here and recorded at the next change made with the state back.',
    default: false,
    helpGroup: 'CONNECTION',
  }),
}

/** For commands that observe or probe real traffic. */
export const appFlags = {
  'app-creds': Flags.string({
    env: 'LATTICE_APP_CREDS',
    summary: 'Creds of an application-account user, to observe and probe real traffic.',
    helpGroup: 'CONNECTION',
  }),
}

/** Where observed calls are counted: the hosts' metrics reports, a subscription, or auto (reports where they cover every instance). */
export const observeFlags = {
  observe: Flags.string({
    options: ['auto', 'reports', 'subscribe'],
    default: 'auto',
    summary:
      'Count observed calls from host metrics reports, by subscribing to the versioned subjects, or auto (reports where every instance is on a reporting host).',
  }),
}

export const signingFlags = {
  'signing-key': Flags.string({
    env: 'LATTICE_SIGNING_KEY',
    summary: 'Operator (or operator signing key) seed file. LATTICE_SIGNING_KEY_SEED may hold the seed itself.',
    helpGroup: 'CONNECTION',
  }),
  'operator-jwt': Flags.string({
    env: 'LATTICE_OPERATOR_JWT',
    summary:
      "The operator's JWT: its identity and signing keys, the only issuers whose account JWT lattice re-signs [default: the nsc store's with --nsc, else the signing key alone].",
    helpGroup: 'CONNECTION',
  }),
}

export const dryRunFlag = {
  'dry-run': Flags.boolean({ summary: 'Print the exact change and push nothing.', default: false }),
}

/** The gates every change passes; see docs/safety.md. */
export const safetyFlags = {
  force: Flags.boolean({
    summary:
      'Go past the safety refusals: a version nothing subscribes to, a rollout of the entity running (or undone by apply, or started below the live weight).',
    default: false,
  }),
  'accept-drift': Flags.boolean({
    summary: 'Change entities whose routing was changed outside lattice (the drift stays in the history).',
    default: false,
  }),
  'min-acks': Flags.integer({
    min: 1,
    summary: 'Fail unless at least N servers acknowledge [default: every server that answers the ping].',
    helpGroup: 'CONNECTION',
  }),
}

export const specFlag = {
  file: Flags.string({ char: 'f', default: 'lattice.yaml', summary: 'Spec file.' }),
}

/** The command line as typed, for the history: seeds hidden, and user/password taken out of URLs. */
export function commandLine(argv = process.argv.slice(2)): string {
  // An http(s) URL keeps its origin only (webhook paths and ?token= are secrets); a server URL loses its user and password.
  const url = (u: string) => (/^https?:\/\//i.test(u) ? urlOrigin(u) : redactUrl(u))
  const clean = (a: string, i: number) => {
    if (containsSecret(a)) return '<redacted>'
    // A gate command may carry tokens: recorded as a marker.
    if (argv[i - 1] === '--gate-cmd' || a.startsWith('--gate-cmd='))
      return a.startsWith('--gate-cmd=') ? `--gate-cmd=${UNRECORDED_COMMAND}` : UNRECORDED_COMMAND
    if (!a.includes('://')) return a
    const eq = a.startsWith('--') ? a.indexOf('=') + 1 : 0
    return a.slice(0, eq) + a.slice(eq).split(',').map(url).join(',')
  }
  return ['lattice', ...argv.map(clean)].join(' ')
}

export abstract class LatticeCommand extends Command {
  static override enableJsonFlag = true

  /** Commands that run long by design bound each phase (connecting, each change) instead of the whole run. */
  static longRunning = false

  /** The command's deadline, once its target is resolved: names the step under way in errors. */
  private deadline?: Deadline

  protected targetOptions(
    flags: Interfaces.InferredFlags<typeof connectionFlags> & {
      'signing-key'?: string
      'operator-jwt'?: string
      'app-creds'?: string
      'without-state'?: boolean
    },
    longRunning = (this.constructor as typeof LatticeCommand).longRunning,
  ): TargetOptions {
    const deadline = new Deadline(parseTimeout(flags.timeout), longRunning ? 'per-phase' : 'whole')
    this.deadline = deadline
    return {
      server: flags.server,
      context: flags.context,
      creds: flags.creds,
      stateCreds: flags['state-creds'],
      appCreds: flags['app-creds'],
      nsc: flags.nsc,
      operator: flags.operator,
      account: flags.account,
      lattice: flags.lattice,
      signingKey: flags['signing-key'],
      operatorJwt: flags['operator-jwt'],
      deadline,
      withoutState: flags['without-state'],
    }
  }

  protected changeOptions(flags: {
    'dry-run': boolean
    force: boolean
    'min-acks'?: number
    'accept-drift'?: boolean
  }): ChangeOptions {
    return {
      dryRun: flags['dry-run'],
      force: flags.force,
      minAcks: flags['min-acks'],
      acceptDrift: flags['accept-drift'],
      command: commandLine(),
    }
  }

  /** Every command refuses a seed or creds content in any flag, argument or flag env var before using any of them. */
  protected override async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(
    options?: Interfaces.Input<F, B, A>,
    argv: string[] = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const ctor = this.ctor
    // The command line was read, and refused: without this, oclif (run from a clone) adds a
    // Node warning that the command "did not parse its arguments" under the error.
    this.parsed = true
    refuseMisplacedSecrets(
      argv,
      (options?.flags ?? ctor.flags ?? {}) as Record<string, { char?: string; type: string; env?: string }>,
      Object.keys(options?.args ?? ctor.args ?? {}),
    )
    return super.parse(options, argv)
  }

  /** Commands that stream (rollouts, watch) print JSON as one object per line, errors included. */
  static ndjson = false

  protected override logJson(json: unknown): void {
    if ((this.constructor as typeof LatticeCommand).ndjson) process.stdout.write(`${JSON.stringify(json)}\n`)
    else super.logJson(json)
  }

  /** Colour for a person at a terminal; none with --json, NO_COLOR, or when stdout is not a TTY. */
  protected paint(): Paint {
    return colourFor(this.jsonEnabled())
  }

  /** Run `work` with a spinner saying `text` if it takes more than a moment (terminal only). */
  protected spin<T>(text: string, work: () => Promise<T>): Promise<T> {
    return withSpinner(spinnerEnabled(this.jsonEnabled()), text, work)
  }

  /** Warnings go to stderr for people; with --json they are part of the result. */
  protected warnAll(warnings: string[]): void {
    if (!this.jsonEnabled()) for (const w of warnings) this.logToStderr(`Warning: ${w}`)
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // A client error from a connection that failed under a request is the network's fault, not a bug.
    if (!isLatticeError(err) && isNetworkFault(err)) err = connectionLost(err, this.deadline?.step ?? 'talking to NATS')
    if (isLatticeError(err)) {
      process.exitCode = err.exitCode
      if (this.jsonEnabled()) this.logJson({ error: err.toJSON() })
      else this.logToStderr(`Error [${err.code}]: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`)
      return
    }
    // oclif's own parse errors (unknown flag, missing arg, bad option value) are usage errors.
    if (err.oclif?.exit !== undefined || err.exitCode !== undefined) {
      process.exitCode = err.oclif?.exit ?? err.exitCode ?? ExitCode.USAGE
      const id = (this.id ?? '').split(':').join(this.config.topicSeparator)
      const usage = {
        code: 'USAGE',
        message: usageMessage(err.message),
        hint: usageHint(this.config.bin, id),
        exitCode: process.exitCode,
      }
      if (this.jsonEnabled()) this.logJson({ error: usage })
      else this.logToStderr(`Error [USAGE]: ${usage.message.split('\n').join('\n  ')}\n  ${usage.hint}`)
      return
    }
    process.exitCode = ExitCode.INTERNAL
    const detail = process.env.LATTICE_DEBUG
      ? `\n${err.stack}`
      : '\n  This is a bug in lattice; run with LATTICE_DEBUG=1 for details and report it.'
    if (this.jsonEnabled())
      this.logJson({ error: { code: 'INTERNAL', message: err.message, exitCode: ExitCode.INTERNAL } })
    else this.logToStderr(`Internal error: ${err.message}${detail}`)
  }
}
