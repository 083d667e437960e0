import { Args } from '@oclif/core'
import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { type ForgetResult, forgetServer } from '../../src/ops/state.js'

export default class StateForget extends LatticeCommand {
  static override summary = 'Forget a server or leaf node removed for good, so that changes stop naming it as missing.'
  static override description = `With --state-creds, every change remembers the servers and leaf nodes it saw, and a later change made while one of them does not answer ends with PARTLY_LIVE (exit 13), naming it: it would run the old weights when it comes back. A server taken out of the lattice for good is forgotten here. \`lattice status --servers\` lists the remembered ones that are missing.`

  static override examples = [
    {
      description: 'Server e2 was decommissioned',
      command: '<%= config.bin %> <%= command.id %> e2 --state-creds state.creds',
    },
  ]

  static override args = {
    name: Args.string({
      required: true,
      description: 'The server or leaf node name, as `lattice status --servers` shows it.',
    }),
  }

  static override flags = { ...connectionFlags }

  async run(): Promise<ForgetResult> {
    const { args, flags } = await this.parse(StateForget)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await withSession(target, (s) => forgetServer(s, args.name))
    this.log(`Forgot ${result.forgotten.join(', ')}. Still remembered: ${result.known.join(', ') || 'none'}.`)
    return result
  }
}
