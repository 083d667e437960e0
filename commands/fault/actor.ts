import { Args } from '@oclif/core'
import { FAULT_DESCRIPTION, FaultCommand, faultFlags } from '../../src/cli/fault-command.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class FaultActor extends FaultCommand {
  static override summary =
    'Drop a share of an actor\'s calls (callers get "no responders"), for a while or until cleared.'
  static override description = FAULT_DESCRIPTION
  static override examples = [
    {
      description: 'Drop 5% for ten minutes',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --drop 5 --for 10m',
    },
    { description: 'Drop 20% until `fault clear`', command: '<%= config.bin %> <%= command.id %> MBXYZ... --drop 20' },
  ]

  static override args = { id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }) }
  static override flags = faultFlags

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(FaultActor)
    return this.fault({ kind: 'actor', id: args.id }, flags)
  }
}
