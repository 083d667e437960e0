#!/usr/bin/env node
// `lattice --version` answers without loading oclif or any command: it must be instant.
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-v')) {
  const { readFileSync } = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!(await fastHelp(process.argv.slice(2)))) {
  // The bundled entry (scripts/bundle.js): oclif and the help; oclif loads the one command run
  // (dist/cli/commands/, through the manifest). Loading oclif, nats and our modules file by file
  // cost more than a whole shift's network round trips.
  const bundle = new URL('../dist/lattice.js', import.meta.url)
  const { existsSync } = await import('node:fs')
  if (!existsSync(bundle)) {
    const { fileURLToPath } = await import('node:url')
    process.stderr.write(`lattice is not built: ${fileURLToPath(bundle)} is missing.\n  Run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`)
    process.exit(1)
  }
  const { execute } = await import(bundle.href)
  await execute({ dir: import.meta.url })
  // The command is done (its output written, its exit code set). Anything still holding the event
  // loop, such as work abandoned when --timeout passed, must not keep the process alive.
  setTimeout(() => {
    if (process.env.LATTICE_DEBUG) process.stderr.write(`lattice: exiting with handles still open: ${process.getActiveResourcesInfo().join(', ')}\n`)
    process.exit()
  }, 1000).unref()
}

/**
 * The help (`--help`, `help ...`, bare `lattice`, a topic alone) answered without oclif, exactly as
 * oclif would (src/cli/fast-help.ts); false to leave it to oclif. Only argv that may ask for help
 * load it: other commands do not pay for it.
 */
async function fastHelp(argv) {
  const end = argv.indexOf('--')
  if (!(argv.length <= 1 || argv[0] === 'help' || argv.slice(0, end === -1 ? undefined : end).includes('--help'))) return false
  if (process.env.LATTICE_OCLIF_HELP) return false
  // One word is a help only when it names a topic (`lattice shift`): `lattice status` is a command to run.
  if (argv.length === 1 && argv[0] !== 'help' && argv[0] !== '--help') {
    const { existsSync } = await import('node:fs')
    if (!/^[a-z][a-z0-9-]*$/.test(argv[0]) || !existsSync(new URL(`../dist/help/topic.${argv[0]}.json`, import.meta.url))) return false
  }
  try {
    const { fileURLToPath } = await import('node:url')
    const { fastHelp } = await import(new URL('../dist/fast-help.js', import.meta.url).href)
    return await fastHelp(argv, fileURLToPath(new URL('..', import.meta.url)))
  } catch {
    return false // not built, or built by an older lattice: oclif answers
  }
}
