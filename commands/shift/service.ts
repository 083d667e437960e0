import { Args } from '@oclif/core'
import { SHIFT_DESCRIPTION, ShiftCommand, shiftFlags } from '../../src/cli/shift-command.js'
import { appFlags } from '../../src/cli/base.js'
import type { ChangeResult } from '../../src/ops/change.js'

export default class ShiftService extends ShiftCommand {
  static override summary =
    'Give one version of a NATS service (the services framework: nats.js, nats.go micro, ...) an exact share of its calls.'
  static override description = `${SHIFT_DESCRIPTION}
A service is named as its instances announce it on $SRV.INFO (read with --app-creds); its versions are the semantic versions they announce. Each endpoint the callers call (the subjects of --from on the first shift) is mapped to the endpoint of the same name in each version, so a new version must serve every endpoint under subjects of its own (e.g. the group v1_1_0); one that lacks an endpoint, or serves it on the same subject, is refused. lattice remembers the caller subjects in its state (--state-creds). See docs/services.md.`

  static override examples = [
    {
      description: 'Canary: 30% of the calls to every endpoint of calc go to calc 1.1.0, the rest stay on 1.0.0',
      command: '<%= config.bin %> <%= command.id %> calc --from 1.0.0 --to 1.1.0 --weight 30',
    },
    {
      description: 'Move on to 100% (callers keep calling the subjects of 1.0.0)',
      command: '<%= config.bin %> <%= command.id %> calc --to 1.1.0 --weight 100',
    },
    {
      description: 'See which subjects would be mapped, push nothing',
      command: '<%= config.bin %> <%= command.id %> calc --from 1.0.0 --to 1.1.0 --weight 30 --dry-run',
    },
  ]

  static override args = {
    name: Args.string({ description: 'Service name, as its instances announce it (e.g. calc).', required: true }),
  }

  static override flags = { ...shiftFlags, ...appFlags }

  async run(): Promise<ChangeResult> {
    const { args, flags } = await this.parse(ShiftService)
    return this.shiftEntity({ kind: 'service', id: args.name }, flags)
  }
}
