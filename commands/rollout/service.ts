import { Args } from '@oclif/core'
import { RolloutRunner } from '../../src/cli/rollout-command.js'
import { ROLLOUT_DESCRIPTION, planFromFlags, rolloutFlags } from '../../src/cli/rollout-flags.js'
import { checkEntity } from '../../src/ops/entity.js'

export default class RolloutService extends RolloutRunner {
  static override summary =
    "Progressive rollout of a NATS service's new version: steps of weight over every endpoint, judged from the instances' own $SRV.STATS, automatic rollback."
  static override description = `${ROLLOUT_DESCRIPTION}
A service (the NATS services framework) is steered as \`lattice shift service\` does: each endpoint the callers call is mapped to the endpoint of the same name in --to (refused before the first step when one is missing). Each step is judged from the versions' own stats ($SRV.STATS, asked once a second with --app-creds): the error rate with the same tests as for hosts, latency from the average processing time (no distribution: a comparison of averages at the end of each wait; see docs/analysis.md). No host-core is needed. What each library counts as an error differs: see docs/services.md.`

  static override examples = [
    {
      description: 'Move calc from 1.0.0 to 1.1.0 in four steps, rolled back at once if 1.1.0 fails more often',
      command: '<%= config.bin %> <%= command.id %> calc --from 1.0.0 --to 1.1.0 --steps 10,25,50,100 --interval 1m',
    },
    {
      description: 'Then see it, or stop it, from any terminal',
      command: '<%= config.bin %> rollout status calc --service',
    },
  ]

  static override args = {
    name: Args.string({ description: 'Service name, as its instances announce it (e.g. calc).', required: true }),
  }

  static override flags = rolloutFlags

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RolloutService)
    await this.runPlans([planFromFlags(checkEntity({ kind: 'service', id: args.name }), flags)], flags)
  }
}
