import { Args, Flags } from '@oclif/core'
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
import { checkSwap, specTarget, swapEnvironments, writeLive } from '../src/ops/spec.js'
import { readSpec } from '../src/spec/parse.js'

export default class Swap extends LatticeCommand {
  static override summary = 'Blue/green: make environment TO live instead of FROM, in one push.'
  static override description = `Routes every entity of TO 100% to its version in one account JWT, then rewrites live: in the spec file (comments and layout kept) unless --no-write.
Refuses when FROM is not what is live (in the file and on the servers) unless --force, when TO is not an environment of the file, and when FROM and TO are the same.`

  static override examples = [
    { description: 'Swap blue for green', command: '<%= config.bin %> <%= command.id %> blue green' },
    {
      description: 'Swap back, without touching the file',
      command: '<%= config.bin %> <%= command.id %> green blue --no-write',
    },
  ]

  static override args = {
    from: Args.string({ description: 'The environment that is live now.', required: true }),
    to: Args.string({ description: 'The environment to make live.', required: true }),
  }

  static override flags = {
    ...connectionFlags,
    ...signingFlags,
    ...withoutStateFlag,
    ...specFlag,
    'no-write': Flags.boolean({ summary: 'Do not rewrite live: in the spec file.', default: false }),
    ...safetyFlags,
    force: Flags.boolean({
      summary: 'Swap even when FROM is not what is live, and route to versions nothing subscribes to.',
      default: false,
    }),
    ...dryRunFlag,
  }

  async run(): Promise<ChangeResult & { from: string; to: string; wrote: boolean }> {
    const { args, flags } = await this.parse(Swap)
    // The file first (a secret pasted into it is refused before anything else), then the arguments; nothing is contacted yet.
    const spec = readSpec(flags.file)
    checkSwap(args.from, args.to)
    const target = resolveTarget(
      specTarget(this.targetOptions(flags), spec),
      flags['dry-run'] ? 'optional' : 'required',
    )
    const result = await withSession(target, (s) =>
      swapEnvironments(s, spec, args.from, args.to, this.changeOptions(flags)),
    )
    const write = !flags['no-write'] && !flags['dry-run'] && spec.live !== args.to
    if (write) writeLive(spec, args.to)
    this.warnAll(result.warnings)
    this.log(renderChange(result, this.paint()))
    if (write) this.log(`${flags.file}: live: ${args.to}`)
    return { ...result, from: args.from, to: args.to, wrote: write }
  }
}
