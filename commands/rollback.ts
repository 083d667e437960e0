import { Flags } from '@oclif/core'
import {
  LatticeCommand,
  connectionFlags,
  dryRunFlag,
  safetyFlags,
  signingFlags,
  withoutStateFlag,
} from '../src/cli/base.js'
import { renderChange } from '../src/views/routing-view.js'
import type { ChangeResult } from '../src/ops/change.js'
import { rollback } from '../src/ops/history.js'
import { specAtHand, specLiveNote } from '../src/ops/spec.js'
import { resolveTarget, withSession } from '../src/ops/session.js'

export default class Rollback extends LatticeCommand {
  static override summary = "Restore the lattice's routes as they were at an earlier revision, as a new revision."
  static override description = `Default: the revision before the latest. Works from any machine with --state-creds (LATTICE_STATE_CREDS).
The same gates as any change apply: nothing is routed to a version nothing subscribes to (unless --force), every server is checked.
The spec file (-f, default lattice.yaml when it exists) is kept true: when the rollback undoes a swap, live: is rewritten to the environment that is live again (unless --no-write); when no single environment is, a warning says so.`

  static override examples = [
    { description: 'Undo the latest change', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Go back to revision 12', command: '<%= config.bin %> <%= command.id %> --to 12' },
    { description: 'Show what would change', command: '<%= config.bin %> <%= command.id %> --to 12 --dry-run' },
    {
      description: 'Undo a swap, keeping live: of prod.yaml in step',
      command: '<%= config.bin %> <%= command.id %> -f prod.yaml',
    },
  ]

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    ...withoutStateFlag,
    to: Flags.integer({ min: 0, summary: 'Revision to restore [default: the one before the latest].' }),
    file: Flags.string({
      char: 'f',
      summary: 'Spec file whose live: to keep in step [default: lattice.yaml, when it exists].',
    }),
    'no-write': Flags.boolean({
      summary: 'Do not rewrite live: in the spec file (a warning says when it no longer names what is live).',
      default: false,
    }),
    ...safetyFlags,
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult & { rolledBackTo: number }> {
    const { flags } = await this.parse(Rollback)
    const target = resolveTarget(this.targetOptions(flags), flags['dry-run'] ? 'optional' : 'required')
    const { spec, warning } = specAtHand(flags.file)
    const result = await withSession(target, (s) =>
      rollback(s, flags.to, this.changeOptions(flags), spec ? { spec, write: !flags['no-write'] } : undefined),
    )
    const note = result.specLive ? specLiveNote(result.specLive, flags['dry-run']) : undefined
    this.warnAll([...result.warnings, ...(warning ? [warning] : []), ...(note?.warning ? [note.warning] : [])])
    this.log(`Rolling back lattice ${result.lattice} to revision ${result.rolledBackTo}.`)
    this.log(renderChange(result, this.paint()))
    if (note?.line) this.log(note.line)
    return result
  }
}
