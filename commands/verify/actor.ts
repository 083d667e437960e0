import { Args } from '@oclif/core'
import { VERIFY_DESCRIPTION, VerifyCommand, verifyFlags } from '../../src/cli/verify-command.js'
import type { VerifyResult } from '../../src/ops/verify-split.js'

export default class VerifyActor extends VerifyCommand {
  static override summary = "Does the actor's observed split match its live weights?"
  static override description = VERIFY_DESCRIPTION
  static override examples = [
    {
      description: 'Observe ten seconds of calls',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --window 10s',
    },
  ]

  static override args = { id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }) }
  static override flags = verifyFlags

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(VerifyActor)
    return this.verifyEntity({ kind: 'actor', id: args.id }, flags)
  }
}
