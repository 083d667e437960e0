import { LatticeCommand } from '../../src/cli/base.js'
import { devState } from '../../src/dev/local.js'
import { dirFlag } from './up.js'

export default class DevStatus extends LatticeCommand {
  static override summary = 'Is the local nats-server of `lattice dev up` running, and where?'
  static override examples = [{ description: 'Check', command: '<%= config.bin %> <%= command.id %>' }]
  static override flags = dirFlag

  async run(): Promise<{ running: boolean; url?: string; pid?: number; dir: string }> {
    const { flags } = await this.parse(DevStatus)
    const state = devState(flags.dir)
    if (!state?.running) {
      this.log(`Not running (${flags.dir}). Start it with \`lattice dev up\`.`)
      return { running: false, dir: flags.dir }
    }
    this.log(`Running: nats-server at ${state.url} (pid ${state.pid}), account ${state.account}, keys in ${state.dir}.`)
    return { running: true, url: state.url, pid: state.pid, dir: state.dir }
  }
}
