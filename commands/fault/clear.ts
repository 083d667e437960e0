import { Args } from '@oclif/core'
import { LatticeCommand, connectionFlags, dryRunFlag, signingFlags, withoutStateFlag } from '../../src/cli/base.js'
import { renderChange } from '../../src/views/routing-view.js'
import type { ChangeResult } from '../../src/ops/change.js'
import { ENTITY_ID_DESCRIPTION, entityFlags, entityOf } from '../../src/cli/entity-flags.js'
import { clearFault } from '../../src/ops/fault.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'

export default class FaultClear extends LatticeCommand {
  static override summary =
    'Remove an injected fault: every call is served again, with the weights from before the fault.'
  static override examples = [
    { description: 'Clear the fault on an actor', command: '<%= config.bin %> <%= command.id %> MBXYZ...' },
    {
      description: 'Clear the fault on the wasmCloud component hello',
      command: '<%= config.bin %> <%= command.id %> hello',
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
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(FaultClear)
    const entity = entityOf(args.id, flags)
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const result = await withSession(target, (s) =>
      clearFault(s, entity, this.changeOptions({ ...flags, force: true })),
    )
    this.warnAll(result.warnings)
    this.log(renderChange(result, this.paint()))
    return result
  }
}
