import { Args, Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags, dryRunFlag, signingFlags } from '../../src/cli/base.js'
import { renderChange } from '../../src/cli/render.js'
import type { ChangeResult } from '../../src/ops/change.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { shift, validateShift } from '../../src/ops/shift.js'
import { parseWeight } from '../../src/plan/weights.js'

export default class ShiftActor extends LatticeCommand {
  static override summary = "Give one version of an actor an exact share of the actor's traffic."
  static override description = `Rewrites the actor's subject mapping in the account JWT so that WEIGHT percent of calls go to --to.
With --from, --from takes the remainder and other versions keep their weights; without it, the other versions keep their relative shares.
Weight 0 removes a version; weight 100 keeps an explicit 100% mapping.`

  static override examples = [
    { description: 'Start a canary: 30% to v2, the rest to v1', command: '<%= config.bin %> <%= command.id %> MBXYZ... --from v1 --to v2 --weight 30' },
    { description: 'Move on to 60% (v1 keeps the other 40%)', command: '<%= config.bin %> <%= command.id %> MBXYZ... --to v2 --weight 60' },
    { description: 'See what would change, push nothing', command: '<%= config.bin %> <%= command.id %> MBXYZ... --to v2 --weight 100 --dry-run' },
  ]

  static override args = {
    id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }),
  }

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    to: Flags.string({ summary: 'Version that gets --weight percent.', required: true }),
    weight: Flags.string({ summary: 'Percent of traffic for --to: a whole number 0..100.', required: true }),
    from: Flags.string({ summary: 'Version that takes the remainder (required when the actor has no mapping yet).' }),
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftActor)
    const input = { entity: { kind: 'actor' as const, id: args.id }, to: flags.to, from: flags.from, weight: parseWeight(flags.weight) }
    validateShift(input)
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const result = await withSession(target, (s) => shift(s, input, { dryRun: flags['dry-run'] }))
    this.warnAll(result.warnings)
    this.log(renderChange(result))
    return result
  }
}
