import { Args } from '@oclif/core'
import { LatticeCommand } from '../../src/cli/base.js'
import { newEntityId } from '../../src/subjects/index.js'

export default class DevId extends LatticeCommand {
  static override summary = 'Print a fresh, valid actor (M...) or provider (V...) ID to try commands and hosts with.'
  static override description = `Actors and providers are named by an nkeys public key (56 characters: M... for an actor, V... for a provider, with a checksum), so a placeholder such as MBXYZ... is refused. This prints a random valid one; nothing is created or contacted.
Components (wasmCloud 1.x) need none: their IDs are the names you give them in wadm (e.g. hello).`

  static override examples = [
    {
      description: 'An actor ID for a host and a shift',
      command: 'ACTOR_ID=$(<%= config.bin %> <%= command.id %> actor)',
    },
    { description: 'A provider ID, as JSON', command: '<%= config.bin %> <%= command.id %> provider --json' },
  ]

  static override args = {
    kind: Args.string({ description: 'actor or provider', required: true, options: ['actor', 'provider'] }),
  }

  async run(): Promise<{ kind: string; id: string }> {
    const { args } = await this.parse(DevId)
    const kind = args.kind as 'actor' | 'provider'
    const id = newEntityId(kind)
    this.log(id)
    return { kind, id }
  }
}
