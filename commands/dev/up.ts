import { basename } from 'node:path'
import { Flags } from '@oclif/core'
import { LatticeCommand } from '../../src/cli/base.js'
import { type DevUpResult, devEnv, devUp } from '../../src/dev/local-lattice.js'

export const dirFlag = {
  dir: Flags.string({ summary: 'Where the local lattice keeps its keys, config and data.', default: '.lattice' }),
}

export default class DevUp extends LatticeCommand {
  static override summary =
    'Start a local nats-server (operator mode, full resolver, JetStream) to try every command against: new keys the first time, the same keys and data after.'
  static override description = `The first time, generates an operator, a system account and an application account under --dir (seed and creds files mode 0600). It starts nats-server in the background and writes a nats CLI context of its own for --dir, named after the folder ("lattice-dev-<folder>-<hash of the path>"), so local lattices of several folders do not overwrite each other's.
Run \`eval "$(lattice dev env)"\` afterwards and every lattice command works with no flags. Running it again while the server runs changes nothing. If the server stopped (\`lattice dev down\`, a crash, a reboot), it is restarted with the keys, history and data it had, on the port it had, so running hosts reconnect; --fresh throws them away and makes new keys.`

  static override examples = [
    {
      description: 'Start it, then point this shell at it',
      command: '<%= config.bin %> <%= command.id %> && eval "$(<%= config.bin %> dev env)"',
    },
    { description: 'On a fixed port', command: '<%= config.bin %> <%= command.id %> --port 4222' },
    {
      description: 'Start over with new keys and an empty history',
      command: '<%= config.bin %> <%= command.id %> --fresh',
    },
  ]

  static override flags = {
    ...dirFlag,
    port: Flags.integer({
      min: 0,
      max: 65535,
      summary: 'Client port, 0 for any free one [default: any free port the first time, then the port it had].',
    }),
    fresh: Flags.boolean({
      summary: 'Stop the server if it runs, delete the keys, history and data in --dir, and start with new keys.',
      default: false,
    }),
  }

  async run(): Promise<DevUpResult & { env: Record<string, string> }> {
    const { flags } = await this.parse(DevUp)
    const state = await devUp(flags.dir, { port: flags.port, fresh: flags.fresh })
    const how = !state.started
      ? 'Already running:'
      : state.restarted
        ? 'Restarted (same keys, history and data)'
        : 'Started'
    this.log(`${how} nats-server at ${state.url} (pid ${state.pid}), keys in ${state.dir}`)
    this.log(`Account ${state.account}; nats CLI context "${basename(state.context, '.json')}" (${state.context}).`)
    this.log(`Next: eval "$(lattice dev env --dir ${flags.dir})"`)
    return { ...state, env: devEnv(state) }
  }
}
