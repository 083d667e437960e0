import { Args, Flags } from '@oclif/core'
import { RolloutRunner } from '../../src/cli/rollout-command.js'
import { ROLLOUT_DESCRIPTION, planFromFlags, rolloutFlags } from '../../src/cli/rollout-flags.js'
import { checkEntity } from '../../src/ops/entity.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class RolloutProvider extends RolloutRunner {
  static override summary =
    'Progressive rollout of a provider version on one link: steps, waits, health gates, automatic rollback.'
  static override description = ROLLOUT_DESCRIPTION

  static override examples = [
    {
      description: 'Move the default link from 0.3.0 to 0.4.0',
      command: `<%= config.bin %> <%= command.id %> VAXYZ... --link default --from 0.3.0 --to 0.4.0 --steps 10,50,100 --interval 1m --probe-payload '{}'`,
    },
  ]

  static override args = {
    id: Args.string({ description: 'Provider ID: its service public key (V...).', required: true }),
  }

  static override flags = {
    ...rolloutFlags,
    link: Flags.string({ summary: 'Link name (one subject token).', default: DEFAULT_LINK }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RolloutProvider)
    await this.runPlans([planFromFlags(checkEntity({ kind: 'provider', id: args.id, link: flags.link }), flags)], flags)
  }
}
