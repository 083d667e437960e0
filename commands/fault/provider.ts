import { Args, Flags } from '@oclif/core'
import { FAULT_DESCRIPTION, FaultCommand, faultFlags } from '../../src/cli/fault-command.js'
import type { ChangeResult } from '../../src/ops/change.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class FaultProvider extends FaultCommand {
  static override summary =
    'Drop a share of a provider link\'s calls (callers get "no responders"), for a while or until cleared.'
  static override description = FAULT_DESCRIPTION
  static override examples = [
    {
      description: 'Drop 10% of the default link for a minute',
      command: '<%= config.bin %> <%= command.id %> VAXYZ... --link default --drop 10 --for 1m',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }
  static override flags = {
    ...faultFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
  }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(FaultProvider)
    return this.fault({ kind: 'provider', id: args.id, link: flags.link }, flags)
  }
}
