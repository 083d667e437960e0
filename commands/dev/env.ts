import { LatticeCommand } from '../../src/cli/base.js'
import { devEnv, devState, notRunning } from '../../src/dev/local-lattice.js'
import { dirFlag } from './up.js'

export default class DevEnv extends LatticeCommand {
  static override summary = 'Print the shell exports that point every lattice command at the local lattice.'
  static override description = 'Paths and public keys only: the files hold the secrets, nothing secret is printed.'
  static override examples = [
    { description: 'Use it in this shell', command: '$ eval "$(<%= config.bin %> <%= command.id %>)"' },
  ]
  static override flags = dirFlag

  async run(): Promise<Record<string, string>> {
    const { flags } = await this.parse(DevEnv)
    const state = devState(flags.dir)
    if (!state?.running) throw notRunning(flags.dir, state)
    const env = devEnv(state)
    for (const [k, v] of Object.entries(env)) this.log(`export ${k}=${JSON.stringify(v)}`)
    return env
  }
}
