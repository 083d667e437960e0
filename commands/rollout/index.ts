import { RolloutRunner } from '../../src/cli/rollout-command.js'
import { runnerFlags } from '../../src/cli/rollout-flags.js'
import { specFlag } from '../../src/cli/base.js'
import { LatticeError } from '../../src/errors.js'
import { liveAfterRollouts, specTarget } from '../../src/ops/spec.js'
import { readSpec } from '../../src/spec/parse.js'

export default class Rollout extends RolloutRunner {
  static override summary = 'Run the rollouts declared in a spec file (rollouts:), one after the other.'
  static override description = `Each rollout of the file runs like \`lattice rollout actor|provider\`: steps, waits, gates, pauses, automatic rollback.
A rollout that is rolled back stops the run (exit 10); the ones after it do not start.
Once all completed, when the file's live: no longer names what is live and exactly one other environment is, live: is rewritten to it (as rollback and swap do).`

  static override examples = [
    { description: 'The rollouts of lattice.yaml', command: '<%= config.bin %> <%= command.id %> -f lattice.yaml' },
    {
      description: 'In CI: one JSON object per line, one line per event',
      command: '<%= config.bin %> <%= command.id %> -f deploy/lattice.yaml --json',
    },
    {
      description:
        'If interrupted (SIGINT/SIGTERM), leave the weights as they are instead of putting the stable ones back',
      command: '<%= config.bin %> <%= command.id %> -f lattice.yaml --on-interrupt hold',
    },
    {
      description: 'One rollout from the command line: see `lattice rollout actor --help`',
      command:
        '<%= config.bin %> <%= command.id %> actor MBXYZ... --from 1.0.0 --to 1.1.0 --steps 10,50,100 --interval 1m',
    },
    {
      description: 'From any terminal: where a rollout is, and stopping it',
      command:
        '<%= config.bin %> <%= command.id %> status MBXYZ... && <%= config.bin %> <%= command.id %> abort MBXYZ...',
    },
  ]

  static override flags = { ...runnerFlags, ...specFlag }

  async run(): Promise<void> {
    const { flags } = await this.parse(Rollout)
    const spec = readSpec(flags.file)
    if (spec.rollouts.length === 0)
      throw new LatticeError('INVALID_ROLLOUT', `${flags.file} declares no rollouts.`, {
        hint: 'Add a rollouts: list (see docs/rollouts.md), or use `lattice rollout actor|provider`.',
      })
    await this.runPlans(spec.rollouts, flags, specTarget(this.targetOptions(flags), spec), async (session) => {
      // Like a rollback, completed rollouts keep the file's live: naming what is live.
      const moved = await liveAfterRollouts(session, spec)
      if (!moved) return
      const { file, was, now } = moved
      if (this.jsonEnabled())
        process.stdout.write(`${JSON.stringify({ type: 'spec', file, live: now ?? null, was })}\n`)
      else if (now !== undefined) this.log(`${file}: live: ${now} (was ${was}; the rollouts made ${now} live).`)
      else
        this.logToStderr(
          `Warning: ${file} says live: ${was}, but after these rollouts no single environment of it is live; \`lattice plan\` would route ${was} back. Make the file say what is live (\`lattice status\`).`,
        )
    })
  }
}
