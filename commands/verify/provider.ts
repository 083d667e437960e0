import { Args, Flags } from '@oclif/core'
import { VERIFY_DESCRIPTION, VerifyCommand, verifyFlags } from '../../src/cli/verify-command.js'
import type { VerifyResult } from '../../src/ops/verify-split.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class VerifyProvider extends VerifyCommand {
  static override summary = "Does a provider link's observed split match its live weights?"
  static override description = VERIFY_DESCRIPTION
  static override examples = [
    {
      description: 'Observe a minute of calls on the default link',
      command: '<%= config.bin %> <%= command.id %> VAXYZ... --link default --window 1m',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }
  static override flags = {
    ...verifyFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
  }

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(VerifyProvider)
    return this.verifyEntity({ kind: 'provider', id: args.id, link: flags.link }, flags)
  }
}
