import { LatticeCommand } from '../../src/cli/base.js'
import { devDown } from '../../src/dev/local-lattice.js'
import { dirFlag } from './up.js'

export default class DevDown extends LatticeCommand {
  static override summary =
    'Stop the local nats-server started by `lattice dev up` and remove its nats CLI context (its keys, history and data stay in --dir: `lattice dev up` starts it again).'
  static override examples = [{ description: 'Stop it', command: '<%= config.bin %> <%= command.id %>' }]
  static override flags = dirFlag

  async run(): Promise<{ stopped: boolean; dir: string }> {
    const { flags } = await this.parse(DevDown)
    const result = await devDown(flags.dir)
    this.log(
      result.stopped
        ? `Stopped the local nats-server of ${result.dir}.`
        : `No local nats-server was running for ${result.dir}.`,
    )
    return result
  }
}
