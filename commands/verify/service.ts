import { Args } from '@oclif/core'
import { VERIFY_DESCRIPTION, VerifyCommand, verifyFlags } from '../../src/cli/verify-command.js'
import type { VerifyResult } from '../../src/ops/verify-split.js'

export default class VerifyService extends VerifyCommand {
  static override summary = "Does a NATS service's observed split (per version) match its live weights?"
  static override description = `${VERIFY_DESCRIPTION}
For a service the calls are counted from its instances' own stats ($SRV.STATS: the requests of the endpoints lattice routes, per version, over the window; --observe does not apply): nothing is sent and nothing subscribes.`
  static override examples = [
    {
      description: 'Observe ten seconds of calls to calc',
      command: '<%= config.bin %> <%= command.id %> calc --window 10s',
    },
  ]

  static override args = {
    name: Args.string({ description: 'Service name, as its instances announce it (e.g. calc).', required: true }),
  }
  static override flags = verifyFlags

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(VerifyService)
    return this.verifyEntity({ kind: 'service', id: args.name }, flags)
  }
}
