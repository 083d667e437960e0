/**
 * oclif's entry, for what bin/run.js does not answer itself (words that name no lattice command,
 * a plugin's command, a help the fast help leaves): guard every output stream against secrets,
 * then hand over to oclif; an unknown command is answered in lattice's error style.
 */
import { Config, flush, handle, run, settings } from '@oclif/core'
import { ExitCode, LatticeError } from '../errors.js'
import { guardOutput } from './output-guard.js'
import { suggest } from '../suggest.js'
import { isParseError, usageHint, usageMessage } from './usage.js'

export async function execute(opts: { dir: string; args?: string[] }): Promise<unknown> {
  guardOutput()
  // lattice runs its build, never TypeScript sources: without this, NODE_ENV=development or
  // test (common in a user's shell) made oclif look for them and warn on every help.
  settings.enableAutoTranspile = false
  let argv = opts.args ?? process.argv.slice(2)
  // `lattice help shift` as `lattice shift --help` (there is no help command).
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help']
  try {
    const result = await run(argv, opts.dir)
    flush()
    return result
  } catch (err) {
    if (err instanceof Error && /^command .+ not found$/s.test(err.message))
      return unknownCommand(argv, await Config.load(opts.dir))
    // lattice's commands print their own; this is a plugin's (autocomplete).
    if (isParseError(err)) return pluginUsage(err, argv, await Config.load(opts.dir))
    return handle(err as Error)
  }
}

/** A usage error of a plugin's command, in lattice's style like every other. */
function pluginUsage(err: Error & { oclif?: { exit?: number } }, argv: string[], config: Config): void {
  const firstFlag = argv.findIndex((a) => a.startsWith('-'))
  const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag)
  let name = words[0] ?? ''
  for (let n = words.length; n > 0; n--) {
    if (config.findCommand(words.slice(0, n).join(':'))) {
      name = words.slice(0, n).join(config.topicSeparator)
      break
    }
  }
  printUsage(
    new LatticeError('USAGE', usageMessage(err.message), { hint: usageHint(config.bin, name) }),
    argv,
    err.oclif?.exit ?? ExitCode.USAGE,
  )
}

function printUsage(err: LatticeError, argv: string[], exitCode: number): void {
  process.exitCode = exitCode
  if (argv.includes('--json'))
    process.stdout.write(`${JSON.stringify({ error: { ...err.toJSON(), exitCode } }, null, 2)}\n`)
  else process.stderr.write(`Error [${err.code}]: ${err.message.split('\n').join('\n  ')}\n  ${err.hint}\n`)
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
  let hint = `\`${config.bin} --help\` lists every command.`
  if (argv[0]?.startsWith('-')) {
    // oclif reads the first word as the command, so a flag there is one.
    message = `"${argv[0]}" is not a command: the command comes first, then its flags (${config.bin} COMMAND ${argv[0]} ...).`
  } else if (s.matches[0] === s.typed) {
    // A topic typed right with an unknown command after it: list the topic's commands.
    const under = [...new Set(names.filter((n) => n.startsWith(`${s.typed} `)))].sort()
    const extra = words[s.typed.split(' ').length]
    message = under.length
      ? `Unknown command "${s.typed} ${extra}". "${s.typed}" has: ${under.join(', ')}.`
      : `"${s.typed}" takes no argument "${extra}".`
    if (!under.length) hint = `\`${config.bin} ${s.typed} --help\` shows what it takes.`
  } else {
    message = `Unknown command "${s.typed}".${s.matches.length > 0 ? ` Did you mean ${s.matches.map((m) => `"${m}"`).join(' or ')}?` : ''}`
  }
  printUsage(new LatticeError('USAGE', message, { hint }), argv, ExitCode.USAGE)
}
