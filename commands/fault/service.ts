import { Args } from '@oclif/core'
import { FAULT_DESCRIPTION, FaultCommand, faultFlags } from '../../src/cli/fault-command.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class FaultService extends FaultCommand {
  static override summary =
    'Drop a share of the calls to every endpoint of a NATS service (callers get "no responders"), for a while or until cleared.'
  static override description = `${FAULT_DESCRIPTION}
A service's fault is injected on each endpoint lattice routes (its caller subject's share goes to <caller subject>._drop): route the service with \`lattice shift service\` first. \`fault clear NAME --service\` removes it.`
  static override examples = [
    {
      description: 'Drop 5% of the calls to calc for ten minutes',
      command: '<%= config.bin %> <%= command.id %> calc --drop 5 --for 10m',
    },
    {
      description: 'Drop half until `fault clear calc --service`',
      command: '<%= config.bin %> <%= command.id %> calc --drop 50',
    },
  ]

  static override args = {
    name: Args.string({ description: 'Service name, as its instances announce it (e.g. calc).', required: true }),
  }
  static override flags = faultFlags

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(FaultService)
    return this.fault({ kind: 'service', id: args.name }, flags)
  }
}
