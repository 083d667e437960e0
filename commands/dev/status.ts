import { basename } from 'node:path'
import { LatticeCommand } from '../../src/cli/base.js'
import { devState, notRunning } from '../../src/dev/local-lattice.js'
import { dirFlag } from './up.js'

export default class DevStatus extends LatticeCommand {
  static override summary =
    'Is the local nats-server of `lattice dev up` running, and where? Exits 8 (NOT_RUNNING) when it is not.'
  static override examples = [
    { description: 'Check', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Start it only when it does not run',
      command: '<%= config.bin %> <%= command.id %> || <%= config.bin %> dev up',
    },
  ]

  static override flags = dirFlag

  async run(): Promise<{ running: true; url: string; pid: number; dir: string; context: string }> {
    const { flags } = await this.parse(DevStatus)
    const state = devState(flags.dir)
    if (!state?.running) throw notRunning(flags.dir, state)
    this.log(
      `Running: nats-server at ${state.url} (pid ${state.pid}), account ${state.account}, keys in ${state.dir}, nats CLI context "${basename(state.context, '.json')}".`,
    )
    return { running: true, url: state.url, pid: state.pid, dir: state.dir, context: state.context }
  }
}
