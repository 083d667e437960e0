import { Args } from '@oclif/core'
import { SHIFT_DESCRIPTION, ShiftCommand, shiftFlags } from '../../src/cli/shift-command.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class ShiftComponent extends ShiftCommand {
  static override summary =
    "Give one version of a wasmCloud component (another component ID) an exact share of the component's calls."
  static override description = `${SHIFT_DESCRIPTION}
A wasmCloud 1.x component (wRPC) is addressed by its component ID; its versions are component IDs too, each deployed on its own (e.g. hello and hello-v2). The mapping sends {lattice}.ID.wrpc.> to {lattice}.VERSION.wrpc.>; ID itself is a version (its own subjects). Needs nats-server 2.9.22 or newer. See docs/wasmcloud.md.`

  static override examples = [
    {
      description: 'Canary: 30% of the calls to hello go to hello-v2, the rest stay on hello',
      command: '<%= config.bin %> <%= command.id %> hello --from hello --to hello-v2 --weight 30',
    },
    {
      description: 'Move on to 100% (hello keeps no share)',
      command: '<%= config.bin %> <%= command.id %> hello --to hello-v2 --weight 100',
    },
    {
      description: 'See what would change, push nothing',
      command: '<%= config.bin %> <%= command.id %> hello --from hello --to hello-v2 --weight 50 --dry-run',
    },
  ]

  static override args = {
    id: Args.string({
      description: 'Component ID the callers call (e.g. hello): one NATS subject token.',
      required: true,
    }),
  }

  static override flags = shiftFlags

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftComponent)
    return this.shiftEntity({ kind: 'component', id: args.id }, flags)
  }
}
