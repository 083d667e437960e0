import { Args } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { ENTITY_ID_DESCRIPTION, entityFlags, entityOf } from '../../src/cli/entity-flags.js'
import { promoteRollout } from '../../src/rollout/status-abort-promote.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'

export default class RolloutPromote extends LatticeCommand {
  static override summary = 'Let a paused rollout continue with its next step.'
  static override examples = [
    { description: 'Continue after the pause', command: '<%= config.bin %> <%= command.id %> MBXYZ...' },
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
    const { args, flags } = await this.parse(RolloutPromote)
    const entity = entityOf(args.id, flags)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const record = await withSession(target, (s) => promoteRollout(s, entity))
    this.log(`Promoted: the rollout of ${args.id} continues.`)
    return record
  }
}
