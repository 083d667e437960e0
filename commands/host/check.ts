import { Args, Flags } from '@oclif/core'
import { LatticeCommand, appFlags, connectionFlags } from '../../src/cli/base.js'
import { renderHostCheck } from '../../src/views/host-check-view.js'
import { LatticeError } from '../../src/errors.js'
import { checkEntity, checkVersion } from '../../src/ops/entity.js'
import { type HostCheckResult, hostCheck, noAppCreds, nonconformant } from '../../src/ops/host-check.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { DEFAULT_LINK, type EntityRef, tokenProblem } from '../../src/subjects/index.js'

export default class HostCheck extends LatticeCommand {
  static override summary =
    'Check that a host follows the host protocol for one version of an entity (docs/host-protocol.md).'
  static override description = `Verifies from outside, one line per requirement (MUST/SHOULD, pass/fail/skipped, what was observed): the host's subscriptions as the servers see them (a system user, --creds), requests to both subjects, its inventory, the refusal of an ambiguous scale (when two versions run there), a metrics report. With --stop it also stops the version on the host while requests are in flight, to check that it drains.
Needs --app-creds (an application-account user) to send requests. Changes nothing in the account JWT.
Exits 11 (HOST_NONCONFORMANT) when a MUST fails; skipped checks and SHOULDs do not fail.`

  static override examples = [
    {
      description: 'Check host-a running v2 of an actor',
      command: '<%= config.bin %> <%= command.id %> actor MBXYZ... --version v2 --host host-a',
    },
    {
      description: 'The same for a provider link, as JSON',
      command:
        '<%= config.bin %> <%= command.id %> provider VAXYZ... --link default --version 1.2.0 --host host-b --json',
    },
    {
      description: 'Also check draining (stops v2 on host-a)',
      command: '<%= config.bin %> <%= command.id %> actor MBXYZ... --version v2 --host host-a --stop',
    },
  ]

  static override args = {
    kind: Args.string({
      description: 'What the host runs: actor or provider.',
      required: true,
      options: ['actor', 'provider'],
    }),
    id: Args.string({ description: 'Actor (M...) or provider (V...) ID.', required: true }),
  }

  static override flags = {
    ...connectionFlags,
    ...appFlags,
    version: Flags.string({ summary: 'The version the host under test runs.', required: true }),
    host: Flags.string({
      summary: 'The host ID (as in its control subjects wasmbus.ctl.{lattice}.*.{hostId}.*).',
      required: true,
    }),
    link: Flags.string({ summary: 'Link name, for a provider.', default: DEFAULT_LINK }),
    requests: Flags.integer({
      summary: 'Requests sent to each subject (and in the drain burst).',
      default: 20,
      min: 1,
      max: 10_000,
    }),
    stop: Flags.boolean({
      summary: 'Also check draining: stops this version on the host with requests in flight (destructive).',
      default: false,
    }),
  }

  async run(): Promise<HostCheckResult> {
    const { args, flags } = await this.parse(HostCheck)
    const entity: EntityRef =
      args.kind === 'provider' ? { kind: 'provider', id: args.id, link: flags.link } : { kind: 'actor', id: args.id }
    checkEntity(entity)
    const version = checkVersion('--version', flags.version)
    const problem = tokenProblem(flags.host)
    if (problem)
      throw new LatticeError('INVALID_TOKEN', `Invalid --host "${flags.host}": ${problem}.`, {
        hint: 'A host ID is one NATS subject token.',
      })
    const target = resolveTarget(this.targetOptions(flags), 'none')
    if (!target.appCreds) throw noAppCreds()
    const opts = { hostId: flags.host, version, requests: flags.requests, stop: flags.stop }
    const result = await this.spin(`checking host ${flags.host}`, () =>
      withSession(target, (s) => hostCheck(s, entity, opts)),
    )
    this.log(renderHostCheck(result, this.paint()))
    if (!result.conformant) throw nonconformant(result)
    return result
  }
}
