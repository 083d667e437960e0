import { Args } from '@oclif/core'
import { LatticeCommand, commandLine, connectionFlags, signingFlags, withoutStateFlag } from '../../src/cli/base.js'
import { renderRollout } from '../../src/views/rollout-view.js'
import { ENTITY_ID_DESCRIPTION, entityFlags, entityOf } from '../../src/cli/entity-flags.js'
import { type AbortResult, abortRollout } from '../../src/rollout/status-abort-promote.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'

export default class RolloutAbort extends LatticeCommand {
  static override summary = 'Stop a running rollout from any terminal: the stable weights come back in one push.'
  static override description = `The runner notices within a second and restores the stable weights. If it does not answer within 10 s (it was killed), the abort restores them itself.
When the state cannot be read, --without-state restores the stable weights from this machine's copy of the rollout record (a runner keeps one), or, with no copy, says exactly which \`lattice shift ... --without-state\` puts them back.`
  static override examples = [
    { description: 'Abort the rollout of an actor', command: '<%= config.bin %> <%= command.id %> MBXYZ...' },
    {
      description: 'The state is down: abort from the machine that ran the rollout',
      command: '<%= config.bin %> <%= command.id %> MBXYZ... --without-state',
    },
  ]

  static override args = {
    id: Args.string({
      description: ENTITY_ID_DESCRIPTION,
      required: true,
    }),
  }
  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    ...withoutStateFlag,
    ...entityFlags,
  }

  async run(): Promise<AbortResult> {
    const { args, flags } = await this.parse(RolloutAbort)
    const entity = entityOf(args.id, flags)
    const target = resolveTarget(this.targetOptions(flags), 'required')
    const record = await withSession(target, (s) =>
      abortRollout(s, entity, { change: { dryRun: false, command: commandLine() } }),
    )
    this.warnAll(record.warnings ?? [])
    this.log(renderRollout(record))
    return record
  }
}
