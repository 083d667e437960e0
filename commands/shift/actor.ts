import { Args } from '@oclif/core'
import { SHIFT_DESCRIPTION, ShiftCommand, shiftFlags } from '../../src/cli/shift-command.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class ShiftActor extends ShiftCommand {
  static override summary = "Give one version of an actor an exact share of the actor's traffic."
  static override description = SHIFT_DESCRIPTION

  static override examples = [
    {
      description: 'Start a canary: 30% to v2, the rest to v1',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --from v1 --to v2 --weight 30',
    },
    {
      description: 'Move on to 60% (v1 keeps the other 40%)',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --to v2 --weight 60',
    },
    {
      description: 'See what would change, push nothing',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --to v2 --weight 100 --dry-run',
    },
    {
      description: 'Only in cluster west (servers there use these weights)',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --cluster west --from v1 --to v2 --weight 10',
    },
    {
      description: 'Cluster west follows the unscoped weights again',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --cluster west --clear',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }),
  }

  static override flags = shiftFlags

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftActor)
    return this.shiftEntity({ kind: 'actor', id: args.id }, flags)
  }
}
