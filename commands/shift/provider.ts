import { Args, Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags, dryRunFlag, signingFlags } from '../../src/cli/base.js'
import { renderChange } from '../../src/cli/render.js'
import type { ChangeResult } from '../../src/ops/change.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { shift, validateShift } from '../../src/ops/shift.js'
import { parseWeight } from '../../src/plan/weights.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class ShiftProvider extends LatticeCommand {
  static override summary = "Give one version of a provider link an exact share of the link's traffic."
  static override description = `Rewrites the provider link's subject mapping in the account JWT so that WEIGHT percent of calls go to --to.
With --from, --from takes the remainder and other versions keep their weights; without it, the other versions keep their relative shares.
Weight 0 removes a version; weight 100 keeps an explicit 100% mapping.`

  static override examples = [
    { description: 'Send 10% of the default link to 0.4.0, the rest to 0.3.0', command: '<%= config.bin %> <%= command.id %> VAXYZ... --link default --from 0.3.0 --to 0.4.0 --weight 10' },
    { description: 'Finish the move', command: '<%= config.bin %> <%= command.id %> VAXYZ... --to 0.4.0 --weight 100' },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
    to: Flags.string({ summary: 'Version that gets --weight percent.', required: true }),
    weight: Flags.string({ summary: 'Percent of traffic for --to: a whole number 0..100.', required: true }),
    from: Flags.string({ summary: 'Version that takes the remainder (required when the link has no mapping yet).' }),
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftProvider)
    const input = { entity: { kind: 'provider' as const, id: args.id, link: flags.link }, to: flags.to, from: flags.from, weight: parseWeight(flags.weight) }
    validateShift(input)
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const result = await withSession(target, (s) => shift(s, input, { dryRun: flags['dry-run'] }))
    this.warnAll(result.warnings)
    this.log(renderChange(result))
    return result
  }
}
