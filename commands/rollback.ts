import { Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags, dryRunFlag, safetyFlags, signingFlags, withoutStateFlag } from '../src/cli/base.js'
import { renderChange } from '../src/cli/render.js'
import type { ChangeResult } from '../src/ops/change.js'
import { rollback } from '../src/ops/history.js'
import { resolveTarget, withSession } from '../src/ops/session.js'

export default class Rollback extends LatticeCommand {
  static override summary = "Restore the lattice's routes as they were at an earlier revision, as a new revision."
  static override description = `Default: the revision before the latest. Works from any machine with --state-creds (LATTICE_STATE_CREDS).
The same gates as any change apply: nothing is routed to a version nothing subscribes to (unless --force), every server is checked.`

  static override examples = [
    { description: 'Undo the latest change', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Go back to revision 12', command: '<%= config.bin %> <%= command.id %> --to 12' },
    { description: 'Show what would change', command: '<%= config.bin %> <%= command.id %> --to 12 --dry-run' },
  ]

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    ...withoutStateFlag,
  ...withoutStateFlag,
    to: Flags.integer({ min: 0, summary: 'Revision to restore [default: the one before the latest].' }),
    ...safetyFlags,
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult & { rolledBackTo: number }> {
    const { flags } = await this.parse(Rollback)
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const result = await withSession(target, (s) => rollback(s, flags.to, this.changeOptions(flags)))
    this.warnAll(result.warnings)
    this.log(`Rolling back lattice ${result.lattice} to revision ${result.rolledBackTo}.`)
    this.log(renderChange(result, this.paint()))
    return result
  }
}
