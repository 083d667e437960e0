import { Args } from '@oclif/core'
import { RolloutRunner } from '../../src/cli/rollout-command.js'
import { ROLLOUT_DESCRIPTION, planFromFlags, rolloutFlags } from '../../src/cli/rollout-flags.js'
import { checkEntity } from '../../src/ops/entity.js'

export default class RolloutComponent extends RolloutRunner {
  static override summary =
    'Progressive rollout from one wasmCloud component ID to another: steps of weight, waits, gates, automatic rollback.'
  static override description = `${ROLLOUT_DESCRIPTION}
For a component (wRPC) --from and --to are component IDs (e.g. hello and hello-v2). Probes speak lattice's versioned RPC, not wRPC, and wasmCloud hosts send no lattice metrics reports: gate a component rollout with --gate-cmd, --gate-webhook or --gate-prometheus (without one, only the observed weight is checked).`

  static override examples = [
    {
      description: 'Move hello to hello-v2 in four steps, a script deciding after each',
      command:
        '<%= config.bin %> <%= command.id %> hello --from hello --to hello-v2 --steps 10,25,50,100 --interval 1m --gate-cmd ./check-dashboards.sh',
    },
    {
      description: 'Wait for a human after 25%',
      command:
        '<%= config.bin %> <%= command.id %> hello --from hello --to hello-v2 --steps 10,25,pause,100 --gate-webhook https://ci.example.com/gate',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Component ID the callers call (e.g. hello).', required: true }),
  }

  static override flags = rolloutFlags

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RolloutComponent)
    await this.runPlans([planFromFlags(checkEntity({ kind: 'component', id: args.id }), flags)], flags)
  }
}
