import { Flags } from '@oclif/core'
import { LatticeCommand, connectionFlags, specFlag } from '../src/cli/base.js'
import { renderPlan } from '../src/views/routing-view.js'
import type { ChangeResult } from '../src/ops/change.js'
import { resolveTarget, withSession } from '../src/ops/session.js'
import { applySpec, specTarget } from '../src/ops/spec.js'
import { readSpec } from '../src/spec/parse.js'

export default class Plan extends LatticeCommand {
  static override summary = 'Show what `lattice apply` would change, per entity; push nothing.'
  static override description =
    "Compares the spec with the live routing. With --detailed-exitcode: exit 0 when nothing would change, 2 when something would, 1 on error (Terraform's convention)."

  static override examples = [
    { description: 'What would change', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Gate a CI job on pending changes',
      command: '<%= config.bin %> <%= command.id %> -f prod.yaml --detailed-exitcode',
    },
  ]

  static override flags = {
    ...connectionFlags,
    ...specFlag,
    prune: Flags.boolean({
      summary: 'Also show lattice mappings of entities the file does not name as removed.',
      default: false,
    }),
    'detailed-exitcode': Flags.boolean({
      summary: 'Exit 0 for no change, 2 for changes, 1 for errors.',
      default: false,
    }),
  }

  async run(): Promise<ChangeResult> {
    const { flags } = await this.parse(Plan)
    const spec = readSpec(flags.file)
    const target = resolveTarget(specTarget(this.targetOptions(flags), spec), 'none')
    const result = await withSession(target, (s) => applySpec(s, spec, { dryRun: true, prune: flags.prune }))
    this.warnAll(result.warnings)
    this.log(renderPlan(result, flags.file))
    if (flags['detailed-exitcode'] && result.changes.length > 0) process.exitCode = 2
    return result
  }

  // Terraform's convention: with --detailed-exitcode every error (usage errors too) exits 1.
  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (!this.argv.includes('--detailed-exitcode')) return super.catch(err)
    try {
      await super.catch(err)
    } catch (usage) {
      // oclif rethrows usage errors to exit 2 itself; report them here instead so we exit 1.
      this.logToStderr(`Error: ${(usage as Error).message}`)
    }
    process.exitCode = 1
  }
}
