import { Args, Flags } from '@oclif/core'
import { LatticeCommand, specFlag } from '../../src/cli/base.js'
import { table } from '../../src/views/table.js'
import { type EnvSubject, environmentSubjects } from '../../src/spec/environments.js'
import { readSpec } from '../../src/spec/parse.js'
import { checkLatticeName } from '../../src/ops/lattice-name.js'
import { DEFAULT_LATTICE } from '../../src/subjects/index.js'

/** A service's versions serve the subjects their code gives them: lattice knows them only from the instances. */
const SERVICE_SUBJECTS = 'its own endpoints (lattice status --app-creds)'

export default class EnvSubjects extends LatticeCommand {
  static override summary =
    'List the versioned subjects of an environment, to reach it directly (e.g. acceptance tests on the staging side).'
  static override examples = [
    { description: 'Where green answers before it is live', command: '<%= config.bin %> <%= command.id %> green' },
    { description: 'For a test harness', command: '<%= config.bin %> <%= command.id %> green --json' },
  ]

  static override args = {
    env: Args.string({ description: 'Environment name from the spec.', required: true }),
  }

  static override flags = {
    ...specFlag,
    lattice: Flags.string({
      env: 'LATTICE_ID',
      summary: `Lattice name [default: the file's, else ${DEFAULT_LATTICE}].`,
    }),
  }

  async run(): Promise<{ environment: string; subjects: EnvSubject[] }> {
    const { args, flags } = await this.parse(EnvSubjects)
    const spec = readSpec(flags.file)
    const lattice = checkLatticeName(flags.lattice ?? spec.lattice ?? DEFAULT_LATTICE)
    const subjects = environmentSubjects(spec, args.env, lattice)
    this.log(
      table(
        ['KIND', 'ID', 'LINK', 'VERSION', 'SUBJECT'],
        subjects.map((s) => [s.kind, s.id, s.link ?? '-', s.version, s.subject ?? SERVICE_SUBJECTS]),
      ),
    )
    return { environment: args.env, subjects }
  }
}
