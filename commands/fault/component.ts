import { Args } from '@oclif/core'
import { FAULT_DESCRIPTION, FaultCommand, faultFlags } from '../../src/cli/fault-command.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class FaultComponent extends FaultCommand {
  static override summary =
    'Drop a share of a wasmCloud component\'s calls (callers get "no responders"), for a while or until cleared.'
  static override description = `${FAULT_DESCRIPTION}
For a component (wRPC) the dropped share goes to {lattice}.ID._drop.>; with no weights set, the rest goes to the component ID itself (status then shows ID with the rest, and \`fault clear\` leaves ID at 100%). Needs nats-server 2.9.22 or newer.`
  static override examples = [
    {
      description: 'Drop 5% of the calls to hello for ten minutes',
      command: '<%= config.bin %> <%= command.id %> hello --drop 5 --for 10m',
    },
    {
      description: 'Drop half until `fault clear hello`',
      command: '<%= config.bin %> <%= command.id %> hello --drop 50',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Component ID the callers call (e.g. hello).', required: true }),
  }
  static override flags = faultFlags

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(FaultComponent)
    return this.fault({ kind: 'component', id: args.id }, flags)
  }
}
