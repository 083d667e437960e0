import { Args, Flags } from '@oclif/core'
import { LatticeCommand, commandLine, connectionFlags, signingFlags, withoutStateFlag } from '../../src/cli/base.js'
import { renderRollout } from '../../src/cli/rollout-view.js'
import { entityFromId } from '../../src/ops/entity.js'
import { abortRollout } from '../../src/ops/rollout.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import type { RolloutRecord } from '../../src/state/rollouts.js'
import { DEFAULT_LINK } from '../../src/subjects/index.js'

export default class RolloutAbort extends LatticeCommand {
  static override summary = 'Stop a running rollout from any terminal: the stable weights come back in one push.'
  static override description = 'The runner notices within a second and restores the stable weights. If it does not answer within 10 s (it was killed), the abort restores them itself.'
  static override examples = [{ description: 'Abort the rollout of an actor', command: '<%= config.bin %> <%= command.id %> MBXYZ...' }]

  static override args = { id: Args.string({ description: 'Actor (M...) or provider (V...) ID.', required: true }) }
  static override flags = { ...connectionFlags, ...signingFlags, ...withoutStateFlag, link: Flags.string({ summary: 'Link name, for a provider.', default: DEFAULT_LINK }) }

  async run(): Promise<RolloutRecord> {
    const { args, flags } = await this.parse(RolloutAbort)
    const entity = entityFromId(args.id, flags.link)
    const target = resolveTarget(this.targetOptions(flags), 'required')
    const record = await withSession(target, (s) => abortRollout(s, entity, { change: { dryRun: false, command: commandLine() } }))
    this.log(renderRollout(record))
    return record
  }
}
