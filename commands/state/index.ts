import { LatticeCommand, connectionFlags } from '../../src/cli/base.js'
import { renderStateHealth } from '../../src/views/state-view.js'
import { resolveTarget, withSession } from '../../src/ops/session.js'
import { type StateHealth, stateHealth } from '../../src/ops/state.js'

export default class State extends LatticeCommand {
  static override summary =
    'Show the state bucket: its replicas, which server leads it, and how many the cluster allows.'
  static override description = `History, locking and rollouts live in the JetStream KV bucket lattice-state. lattice creates it with one replica per JetStream server, up to 3 (LATTICE_STATE_REPLICAS overrides), so that losing any one server stops nothing. A bucket with fewer replicas than the cluster allows is reported here and by \`status --servers\`; raise it with \`lattice state scale\`.`

  static override examples = [
    { description: 'Where the state lives', command: '<%= config.bin %> <%= command.id %> --state-creds state.creds' },
    { description: 'For scripts', command: '<%= config.bin %> <%= command.id %> --state-creds state.creds --json' },
    {
      description: 'Raise its replicas to 3 (see `lattice state scale --help`)',
      command: '<%= config.bin %> <%= command.id %> scale --replicas 3 --state-creds state.creds',
    },
  ]

  static override flags = { ...connectionFlags }

  async run(): Promise<StateHealth> {
    const { flags } = await this.parse(State)
    const target = resolveTarget(this.targetOptions(flags), 'none')
    const result = await withSession(target, (s) => stateHealth(s))
    this.warnAll(result.warnings)
    this.log(renderStateHealth(result))
    return result
  }
}
