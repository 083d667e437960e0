import { Flags } from '@oclif/core'
import { LatticeCommand } from '../src/cli/base.js'
import { untilInterrupted } from '../src/cli/interrupt.js'
import { pathHint } from '../src/cli/path-hint.js'
import { runDemo } from '../src/ops/demo.js'
import { parseDuration } from '../src/plan/duration.js'

export default class Demo extends LatticeCommand {
  static override summary =
    'See lattice work in under a minute: a local lattice, two versions of a demo actor, real traffic, a canary 10% -> 50% -> 100%.'
  static override description = `Starts a local nats-server (as \`lattice dev up\` does, in a temporary directory unless --dir), two hosts running v1 and v2 of a demo actor, and steady request traffic; shifts v2 to 10%, 50% and 100% and prints the observed split after each step. Then it stops everything, unless --keep.
Needs nats-server on PATH (or LATTICE_NATS_SERVER).`

  static override examples = [
    { description: 'The whole demo', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Quick (CI)', command: '<%= config.bin %> <%= command.id %> --duration 3s' },
    {
      description: 'Leave it running to try other commands on',
      command: '<%= config.bin %> <%= command.id %> --keep --dir .lattice',
    },
  ]

  static override flags = {
    duration: Flags.string({
      summary: 'Roughly how long the demo runs (the traffic time is split over the steps).',
      default: '20s',
    }),
    keep: Flags.boolean({
      summary: 'Keep the hosts running until Ctrl-C, and the local server after that.',
      default: false,
    }),
    dir: Flags.string({ summary: 'Where the local lattice keeps its keys and data [default: a temporary directory].' }),
  }

  async run(): Promise<Awaited<ReturnType<typeof runDemo>>> {
    const { flags } = await this.parse(Demo)
    const steps = [10, 50, 100]
    const stepMs = Math.max(200, Math.floor(parseDuration(flags.duration, '--duration') / (steps.length + 1)))
    const result = await untilInterrupted((stopped) =>
      runDemo({ dir: flags.dir, stepMs, steps, keep: flags.keep, stopped, say: (l) => this.log(l) }),
    )
    const hint = this.jsonEnabled() ? undefined : pathHint()
    if (hint) this.log(hint)
    return result
  }
}
