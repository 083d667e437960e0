import { Args } from '@oclif/core'
import { VERIFY_DESCRIPTION, VerifyCommand, verifyFlags } from '../../src/cli/verify-command.js'
import type { VerifyResult } from '../../src/ops/verify-split.js'

export default class VerifyComponent extends VerifyCommand {
  static override summary = "Does a wasmCloud component's observed split (per component ID) match its live weights?"
  static override description = `${VERIFY_DESCRIPTION}
For a component (wRPC) it counts the first message of each call on {lattice}.VERSION.wrpc.> for every version (component ID) of the route.`
  static override examples = [
    {
      description: 'Observe ten seconds of calls to hello',
      command: '<%= config.bin %> <%= command.id %> hello --window 10s',
    },
  ]

  static override args = {
    id: Args.string({ description: 'Component ID the callers call (e.g. hello).', required: true }),
  }
  static override flags = verifyFlags

  async run(): Promise<VerifyResult> {
    const { args, flags } = await this.parse(VerifyComponent)
    return this.verifyEntity({ kind: 'component', id: args.id }, flags)
  }
}
