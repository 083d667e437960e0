import { Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { renderStateHealth } from '../../src/views/state-view.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { type ScaleResult, scaleState } from '../../src/ops/state.js'

export default class StateScale extends LatticeCommand {
  static override summary = "Change the state bucket's replica count in place; every record is kept."
  static override description = `Updates the stream of the lattice-state bucket: the servers copy every record (history, locks, rollouts) to the new replicas while commands go on. Without --replicas it sets what the cluster allows: one per JetStream server, up to 3.`

  static override examples = [
    {
      description: 'As many replicas as the cluster allows (up to 3)',
      command: '<%= config.bin %> <%= command.id %> --state-creds state.creds',
    },
    {
      description: 'An exact count',
      command: '<%= config.bin %> <%= command.id %> --replicas 3 --state-creds state.creds',
    },
  ]

  static override flags = {
    ...connectionFlags,
    replicas: Flags.integer({ min: 1, max: 5, summary: 'Replica count [default: one per JetStream server, up to 3].' }),
  }

  async run(): Promise<ScaleResult> {
    const { flags } = await this.parse(StateScale)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await withSession(target, (s) => scaleState(s, flags.replicas))
    this.warnAll(result.health.warnings)
    this.log(
      result.before === result.after
        ? `${result.bucket} already has ${result.after} replica${result.after === 1 ? '' : 's'}.`
        : `${result.bucket}: ${result.before} -> ${result.after} replicas.`,
    )
    this.log(renderStateHealth(result.health))
    return result
  }
}
