/**
 * lattice's help (package.json oclif.helpClass): oclif's, plus examples on the root help and
 * on each topic's help (`lattice shift --help`), which oclif renders without any.
 */
import { type Command, Help, type Interfaces } from '@oclif/core'

type Example = { description: string; command: string }

const ROOT_EXAMPLES: Example[] = [
  {
    description: 'See it work: a local lattice, two versions, a canary 10% -> 50% -> 100%',
    command: '<%= config.bin %> demo',
  },
  {
    description: 'A local lattice to try every command on',
    command: '<%= config.bin %> dev up && eval "$(<%= config.bin %> dev env)"',
  },
  {
    description: 'Give v2 of an actor 30% of its traffic, v1 the rest',
    command: '<%= config.bin %> shift actor MBXYZ... --from v1 --to v2 --weight 30',
  },
  { description: 'What is live', command: '<%= config.bin %> status' },
  { description: 'Help on one command', command: '<%= config.bin %> shift actor --help' },
]

/** Examples per topic that has no command of its own (rollout and state have theirs). */
export const TOPIC_EXAMPLES: Record<string, Example[]> = {
  shift: [
    {
      description: 'Start a canary: 30% to v2, the rest to v1',
      command: '<%= config.bin %> shift actor MBXYZ... --from v1 --to v2 --weight 30',
    },
    {
      description: 'The same for one link of a provider',
      command: '<%= config.bin %> shift provider VAXYZ... --link default --from 0.3.0 --to 0.4.0 --weight 10',
    },
    {
      description: 'A wasmCloud 1.x component: 30% of the calls to hello go to component ID hello-v2',
      command: '<%= config.bin %> shift component hello --from hello --to hello-v2 --weight 30',
    },
  ],
  fault: [
    {
      description: "Drop 5% of an actor's calls for ten minutes",
      command: '<%= config.bin %> fault actor MBXYZ... --drop 5 --for 10m',
    },
    {
      description: 'Drop half of the calls to the wasmCloud component hello',
      command: '<%= config.bin %> fault component hello --drop 50',
    },
    { description: 'Take a fault away again', command: '<%= config.bin %> fault clear MBXYZ...' },
  ],
  verify: [
    {
      description: 'Does the observed split of an actor match its live weights?',
      command: '<%= config.bin %> verify actor MBXYZ... --window 10s',
    },
    {
      description: 'The same for one link of a provider',
      command: '<%= config.bin %> verify provider VAXYZ... --link default',
    },
    { description: 'The same for a wasmCloud component', command: '<%= config.bin %> verify component hello' },
  ],
  dev: [
    {
      description: 'Start a local lattice and use it in this shell',
      command: '<%= config.bin %> dev up && eval "$(<%= config.bin %> dev env)"',
    },
    { description: 'Is it running?', command: '<%= config.bin %> dev status' },
    { description: 'Stop it', command: '<%= config.bin %> dev down' },
  ],
  env: [
    {
      description: 'The subjects environment green of lattice.yaml routes to',
      command: '<%= config.bin %> env subjects green',
    },
  ],
  host: [
    {
      description: 'Check that host-a follows the host protocol for v2 of an actor',
      command: '<%= config.bin %> host check actor MBXYZ... --version v2 --host host-a',
    },
    {
      description: 'The same for a provider link, draining included (stops it on host-b)',
      command: '<%= config.bin %> host check provider VAXYZ... --link default --version 1.2.0 --host host-b --stop',
    },
  ],
}

export class LatticeHelp extends Help {
  override formatRoot(): string {
    return `${super.formatRoot()}\n\n${this.examplesSection(ROOT_EXAMPLES)}`
  }

  override formatTopic(topic: Interfaces.Topic): string {
    const examples = TOPIC_EXAMPLES[topic.name]
    return examples ? `${super.formatTopic(topic)}\n${this.examplesSection(examples)}\n` : super.formatTopic(topic)
  }

  /** An EXAMPLES section laid out as oclif lays out a command's. */
  private examplesSection(examples: Example[]): string {
    const stub = { id: '', args: {}, flags: {}, examples } as unknown as Command.Loadable
    const body = (this.getCommandHelpClass(stub) as unknown as { examples(e: Example[]): string }).examples(examples)
    return this.section('EXAMPLES', body)
  }
}
