import { Flags } from '@oclif/core'
import {
  LatticeCommand,
  connectionFlags,
  dryRunFlag,
  safetyFlags,
  signingFlags,
  specFlag,
  withoutStateFlag,
} from '../src/cli/base.js'
import { renderChange } from '../src/views/routing-view.js'
import type { ChangeResult } from '../src/ops/change.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { applySpec, specTarget } from '../src/ops/spec.js'
import { readSpec } from '../src/spec/parse.js'

export default class Apply extends LatticeCommand {
  static override summary = 'Make live exactly what the spec says for every entity it names, in one JWT push.'
  static override description = `Environments pin one version per entity (the live one gets 100%), splits set explicit weights, faults drop a share of calls.
All changes go out in one account JWT, so they take effect together. Applying the same file again pushes nothing.
Mappings of entities the file does not name are kept, unless --prune; mappings outside the lattice are never touched.`

  static override examples = [
    { description: 'Apply lattice.yaml', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Apply another file and remove routes it does not name',
      command: '<%= config.bin %> <%= command.id %> -f prod.yaml --prune',
    },
    { description: 'Show the exact mappings, push nothing', command: '<%= config.bin %> <%= command.id %> --dry-run' },
  ]

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    ...withoutStateFlag,
    ...withoutStateFlag,
    ...specFlag,
    prune: Flags.boolean({
      summary: 'Also remove lattice mappings of entities the file does not name.',
      default: false,
    }),
    ...safetyFlags,
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult> {
    const { flags } = await this.parse(Apply)
    const spec = readSpec(flags.file)
    const target = resolveTarget(
      specTarget(this.targetOptions(flags), spec),
      flags['dry-run'] ? 'optional' : 'required',
    )
    const result = await this.spin('applying the spec', () =>
      withSession(target, (s) => applySpec(s, spec, { ...this.changeOptions(flags), prune: flags.prune })),
    )
    this.warnAll(result.warnings)
    this.log(renderChange(result, this.paint()))
    return result
  }
}
