import { Args, Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { entityFromId } from '../../src/ops/entity.js'
import { promoteRollout } from '../../src/rollout/status-abort-promote.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import type { RolloutRecord } from '../../src/rollout/records/rollout-store.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class RolloutPromote extends LatticeCommand {
  static override summary = 'Let a paused rollout continue with its next step.'
  static override examples = [
    { description: 'Continue after the pause', command: '<%= config.bin %> <%= command.id %> MBXYZ...' },
  ]

  static override args = {
    id: Args.string({
      description: 'Actor (M...), provider (V...) or wasmCloud component ID (any other name, e.g. hello).',
      required: true,
    }),
  }
  static override flags = {
    ...connectionFlags,
    link: Flags.string({ summary: 'Link name, for a provider.', default: DEFAULT_LINK }),
  }

  async run(): Promise<RolloutRecord> {
    const { args, flags } = await this.parse(RolloutPromote)
    const entity = entityFromId(args.id, flags.link)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const record = await withSession(target, (s) => promoteRollout(s, entity))
    this.log(`Promoted: the rollout of ${args.id} continues.`)
    return record
  }
}
