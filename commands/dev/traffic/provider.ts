import { Args, Flags } from '@oclif/core'
import { TRAFFIC_DESCRIPTION, TrafficCommand, trafficFlags } from '../../../src/cli/traffic-command.js'
import type { TrafficResult } from '../../../src/ops/traffic.js'
import { DEFAULT_LINK } from '../../../src/subjects/index.js'

export default class DevTrafficProvider extends TrafficCommand {
  static override summary = 'Send steady calls to a provider link and count which version answered each.'
  static override description = TRAFFIC_DESCRIPTION
  static override examples = [
    {
      description: 'A minute of calls on the default link',
      command: '<%= config.bin %> <%= command.id %> VAXYZ... --link default --duration 1m',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }
  static override flags = {
    ...trafficFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
  }

  async run(): Promise<TrafficResult> {
    const { args, flags } = await this.parse(DevTrafficProvider)
    return this.sendTo({ kind: 'provider', id: args.id, link: flags.link }, flags)
  }
}
