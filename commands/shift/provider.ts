import { Args, Flags } from '@oclif/core'
import { SHIFT_DESCRIPTION, ShiftCommand, shiftFlags } from '../../src/cli/shift-command.js'
import type { ChangeResult } from '../../src/ops/change.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class ShiftProvider extends ShiftCommand {
  static override summary = "Give one version of a provider link an exact share of the link's traffic."
  static override description = SHIFT_DESCRIPTION

  static override examples = [
    {
      description: 'Send 10% of the default link to 0.4.0, the rest to 0.3.0',
      command: '<%= config.bin %> <%= command.id %> VAXYZ... --link default --from 0.3.0 --to 0.4.0 --weight 10',
    },
    { description: 'Finish the move', command: '<%= config.bin %> <%= command.id %> VAXYZ... --to 0.4.0 --weight 100' },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }

  static override flags = {
    ...shiftFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
  }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftProvider)
    return this.shiftEntity({ kind: 'provider', id: args.id, link: flags.link }, flags)
  }
}
