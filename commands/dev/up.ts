import { Flags } from '@oclif/core'
import { LatticeCommand } from '../../src/cli/base.js'
import { type DevState, devEnv, devUp } from '../../src/dev/local.js'

export const dirFlag = { dir: Flags.string({ summary: 'Where the local lattice keeps its keys, config and data.', default: '.lattice' }) }

export default class DevUp extends LatticeCommand {
  static override summary = 'Start a local nats-server (operator mode, full resolver, JetStream) with fresh keys, to try every command against.'
  static override description = `Generates an operator, a system account and an application account under --dir (seed and creds files mode 0600), starts nats-server in the background, and writes a nats CLI context "lattice-dev".
Run \`eval "$(lattice dev env)"\` afterwards and every lattice command works with no flags. Running it again while the server runs changes nothing.`

  static override examples = [
    { description: 'Start it, then point this shell at it', command: '<%= config.bin %> <%= command.id %> && eval "$(<%= config.bin %> dev env)"' },
    { description: 'On a fixed port', command: '<%= config.bin %> <%= command.id %> --port 4222' },
  ]

  static override flags = { ...dirFlag, port: Flags.integer({ min: 0, max: 65535, summary: 'Client port [default: any free port].' }) }

  async run(): Promise<DevState & { started: boolean; env: Record<string, string> }> {
    const { flags } = await this.parse(DevUp)
    const state = await devUp(flags.dir, flags.port === 0 ? undefined : flags.port)
    this.log(`${state.started ? 'Started' : 'Already running:'} nats-server at ${state.url} (pid ${state.pid}), keys in ${state.dir}`)
    this.log(`Account ${state.account}; nats CLI context "lattice-dev" (${state.context}).`)
    this.log(`Next: eval "$(lattice dev env --dir ${flags.dir})"`)
    return { ...state, env: devEnv(state) }
  }
}
