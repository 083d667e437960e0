import { Args } from '@oclif/core'
import { RolloutRunner } from '../../src/cli/rollout-command.js'
import { ROLLOUT_DESCRIPTION, planFromFlags, rolloutFlags } from '../../src/cli/rollout-flags.js'
import { checkEntity } from '../../src/ops/entity.js'

export default class RolloutActor extends RolloutRunner {
  static override summary =
    'Progressive rollout of an actor version: steps of weight, waits, health gates, automatic rollback.'
  static override description = ROLLOUT_DESCRIPTION

  static override examples = [
    {
      description:
        'Canary 1.1.0 in four steps, each judged from the real calls the hosts report (on by default with host-core hosts)',
      command:
        '<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --steps 10,25,50,100 --interval 1m',
    },
    {
      description: 'Stricter analysis: at most 10% slower, p99 under 250 ms, 200 calls per window',
      command:
        '<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --analysis-latency-tolerance 10% --analysis-max-p99-ms 250 --analysis-min-calls 200',
    },
    {
      description: 'Try the thresholds on real traffic: verdicts shown and recorded, none acted on',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --analysis-dry-run',
    },
    {
      description: 'Canary 1.1.0 in four steps, probing it after each',
      command: `<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --steps 10,25,50,100 --interval 30s --probe-payload '{"ping":1}' --max-error-rate 1 --max-p95-ms 50`,
    },
    {
      description: 'Wait for a human after 25%',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --steps 10,25,pause,100',
    },
    {
      description: 'Let a script decide (exit 0 passes)',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --gate-cmd ./check-dashboards.sh',
    },
    {
      description: 'Let Prometheus and a webhook decide, and tell a chat relay about every event',
      command: `<%= config.bin %> <%= command.id %> MBXYZ... --from 1.0.0 --to 1.1.0 --gate-prometheus http://prometheus:9090 --prometheus-query 'sum(rate(lattice_call_errors_total{id="{{id}}",version="{{to}}"}[1m]))' --prometheus-condition '< 0.05' --gate-webhook https://ci.example.com/gate --notify http://relay:8787/`,
    },
  ]

  static override args = {
    id: Args.string({ description: 'Actor ID: its module public key (M...).', required: true }),
  }

  static override flags = rolloutFlags

  async run(): Promise<void> {
    const { args, flags } = await this.parse(RolloutActor)
    await this.runPlans([planFromFlags(checkEntity({ kind: 'actor', id: args.id }), flags)], flags)
  }
}
