import { Args } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { renderRollout } from '../../src/views/rollout-view.js'
import { rolloutEntity, rolloutEntityFlags } from '../../src/cli/rollout-flags.js'
import { rolloutStatus } from '../../src/rollout/status-abort-promote.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'

export default class RolloutStatus extends LatticeCommand {
  static override summary =
    'Show the rollout of an entity, from any terminal: step, set and observed weight, gate results.'
  static override examples = [
    { description: 'The rollout of an actor', command: '<%= config.bin %> <%= command.id %> MBXYZ...' },
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> MBXYZ... --json' },
  ]

  static override args = {
    id: Args.string({
      description:
        'Actor (M...), provider (V...) or wasmCloud component ID (any other name, e.g. hello); with --service, a service name.',
      required: true,
    }),
  }
  static override flags = {
    ...connectionFlags,
    ...rolloutEntityFlags,
  }

  async run(): Promise<RolloutRecord> {
    const { args, flags } = await this.parse(RolloutStatus)
    const entity = rolloutEntity(args.id, flags)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const record = await withSession(target, (s) => rolloutStatus(s, entity))
    this.log(renderRollout(record))
    return record
  }
}
