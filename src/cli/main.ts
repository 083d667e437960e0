/**
 * The CLI entry the bundle exports (scripts/bundle.js): guard every output stream against
 * secrets, then hand over to oclif; an unknown command is answered in lattice's error style.
 */
import { Config, flush, handle, run } from '@oclif/core'
import { ExitCode, LatticeError } from '../errors.js'
import { guardOutput } from './output-guard.js'
import { suggest } from './suggest.js'

export async function execute(opts: { dir: string; args?: string[] }): Promise<unknown> {
  guardOutput()
  let argv = opts.args ?? process.argv.slice(2)
  // `lattice help shift` as `lattice shift --help` (there is no help command).
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help']
  try {
    const result = await run(argv, opts.dir)
    flush()
    return result
  } catch (err) {
    if (err instanceof Error && /^command .+ not found$/s.test(err.message)) return unknownCommand(argv, await Config.load(opts.dir))
    return handle(err as Error)
  }
}

/** `lattice shfit actor ...`: say so, with the nearest commands, as a USAGE error (exit 2). */
function unknownCommand(argv: string[], config: Config): void {
  const sep = config.topicSeparator
  const typedName = (id: string) => id.split(':').join(sep)
  const names = [...config.commandIDs.map(typedName), ...config.topics.map((t) => typedName(t.name))]
  const firstFlag = argv.findIndex((a) => a.startsWith('-'))
  const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag)
  const s = suggest(words, [...new Set(names)])
  let message: string
  if (argv[0]?.startsWith('-')) {
    // oclif reads the first word as the command, so a flag there is one.
    message = `"${argv[0]}" is not a command: the command comes first, then its flags (${config.bin} COMMAND ${argv[0]} ...).`
  } else if (s.matches[0] === s.typed) {
    // A topic typed right with an unknown command after it: list the topic's commands.
    const under = [...new Set(names.filter((n) => n.startsWith(`${s.typed} `)))].sort()
    message = `Unknown command "${words.slice(0, s.typed.split(' ').length + 1).join(' ')}". "${s.typed}" has: ${under.join(', ')}.`
  } else {
    message = `Unknown command "${s.typed}".${s.matches.length > 0 ? ` Did you mean ${s.matches.map((m) => `"${m}"`).join(' or ')}?` : ''}`
  }
  const err = new LatticeError('USAGE', message, { hint: `\`${config.bin} --help\` lists every command.` })
  process.exitCode = ExitCode.USAGE
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`)
  else process.stderr.write(`Error [${err.code}]: ${err.message}\n  ${err.hint}\n`)
}
