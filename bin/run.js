#!/usr/bin/env node
// CommonJS (bin/package.json): Node starts a CommonJS main without its ES module loader, ~8 ms
// sooner (issue #19). The ES module parts (the help, oclif) are imported when needed.
// The paths: --version; the help (fast-help); every lattice command (direct/run.ts); oclif for the rest.
'use strict'
const { join } = require('node:path')

const root = join(__dirname, '..')
const argv = process.argv.slice(2)

main().catch((err) => {
  // A build from another version, or one with files missing (src/cli/command-index.ts): not a bug.
  if (err?.code === 'LATTICE_NOT_BUILT') {
    process.stderr.write(`lattice is not built: ${err.message}.\n  Run \`npm run build\` in ${root}\n`)
    process.exitCode = 1
    return
  }
  // lattice's commands report their own errors; this is a fault of the entry itself, reported as
  // LatticeCommand reports an internal error (src/cli/base.ts).
  const detail = process.env.LATTICE_DEBUG
    ? `\n${err?.stack}`
    : '\n  This is a bug in lattice; run with LATTICE_DEBUG=1 for details and report it.'
  process.stderr.write(`Internal error: ${err?.message ?? err}${detail}\n`)
  process.exitCode = 1 // INTERNAL (docs/exit-codes.md)
})

async function main() {
  // `lattice --version` answers without loading oclif or any command: it must be instant.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const pkg = JSON.parse(require('node:fs').readFileSync(join(root, 'package.json'), 'utf8'))
    process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
    return
  }
  if ((await fastHelp()) || (await directRun())) return exitSoon()
  // What names none of lattice's commands (a typo, a plugin's command such as autocomplete) and
  // a help the fast help leaves: oclif (src/cli/main.ts, as tsc built it).
  const { pathToFileURL } = require('node:url')
  const { execute } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'main.js')).href)
  // The package's root: oclif looks for its package.json from there up (bin/ has one of its own).
  await execute({ dir: root })
  exitSoon()
}

/**
 * The command is done (its output written, its exit code set). Anything still holding the event
 * loop, such as work abandoned when --timeout passed, must not keep the process alive.
 */
function exitSoon() {
  setTimeout(() => {
    if (process.env.LATTICE_DEBUG)
      process.stderr.write(`lattice: exiting with handles still open: ${process.getActiveResourcesInfo().join(', ')}\n`)
    process.exit()
  }, 1000).unref()
}

/**
 * The help (`--help`, `help ...`, bare `lattice`, a topic alone) answered without oclif, exactly as
 * oclif would (src/cli/fast-help.ts); false to leave it to oclif. Only argv that may ask for help
 * load it: other commands do not pay for it.
 */
async function fastHelp() {
  const end = argv.indexOf('--')
  if (!(argv.length <= 1 || argv[0] === 'help' || argv.slice(0, end === -1 ? undefined : end).includes('--help')))
    return false
  if (process.env.LATTICE_OCLIF_HELP) return false
  // One word is a help only when it names a topic (`lattice shift`): `lattice status` is a command to run.
  if (argv.length === 1 && argv[0] !== 'help' && argv[0] !== '--help') {
    if (
      !/^[a-z][a-z0-9-]*$/.test(argv[0]) ||
      !require('node:fs').existsSync(join(root, 'dist', 'help', `topic.${argv[0]}.json`))
    )
      return false
  }
  try {
    const { fastHelp } = await import(require('node:url').pathToFileURL(join(root, 'dist', 'fast-help.js')).href)
    return await fastHelp(argv, root)
  } catch {
    return false // not built, or built by an older lattice: oclif answers
  }
}

/** Every lattice command, run the same way everywhere (src/cli/direct/run.ts); false when the words name none. */
async function directRun() {
  const run = join(root, 'dist', 'direct', 'run.cjs')
  for (const file of [run, join(root, 'dist', 'help', 'help.json')]) {
    if (require('node:fs').existsSync(file)) continue
    process.stderr.write(`lattice is not built: ${file} is missing.\n  Run \`npm run build\` in ${root}\n`)
    process.exit(1)
  }
  return require(run).directRun(argv, root)
}
