import { Args } from '@oclif/core'
import { TRAFFIC_DESCRIPTION, TrafficCommand, trafficFlags } from '../../../src/cli/traffic-command.js'
import type { TrafficResult } from '../../../src/ops/traffic.js'

export default class DevTrafficActor extends TrafficCommand {
  static override summary = 'Send steady calls to an actor and count which version answered each.'
  static override description = TRAFFIC_DESCRIPTION
  static override examples = [
    {
      description: 'Until Ctrl-C, 50 calls a second (in the shell of `eval "$(lattice dev env)"`)',
      command: '<%= config.bin %> <%= command.id %> MBXYZ...',
    },
    {
      description: 'Twenty seconds at 200 calls a second, the summary as JSON',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --rate 200 --duration 20s --json',
    },
  ]

  static override args = { id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }) }
  static override flags = trafficFlags

  async run(): Promise<TrafficResult> {
    const { args, flags } = await this.parse(DevTrafficActor)
    return this.sendTo({ kind: 'actor', id: args.id }, flags)
  }
}
