import { Args } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { renderRollout } from '../../src/views/rollout-view.js'
import { ENTITY_ID_DESCRIPTION, entityFlags, entityOf } from '../../src/cli/entity-flags.js'
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
      description: ENTITY_ID_DESCRIPTION,
      required: true,
    }),
  }
  static override flags = {
    ...connectionFlags,
    ...entityFlags,
  }

  async run(): Promise<RolloutRecord> {
    const { args, flags } = await this.parse(RolloutStatus)
    const entity = entityOf(args.id, flags)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const record = await withSession(target, (s) => rolloutStatus(s, entity))
    this.log(renderRollout(record))
    return record
  }
}
