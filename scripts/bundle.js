// Bundles the CLI (commands, src, @oclif/core, nats, nkeys.js, yaml) into dist/lattice.js.
// Why: loading its ~400 source files one by one took longer than the whole network part of a
// shift; one file loads in a fraction of that (see docs/benchmarks.md). esbuild reads the
// TypeScript directly (tsc, which runs first in `npm run build`, does the type checking).
// oclif finds the commands through the COMMANDS export ("explicit" discovery in package.json),
// and the help class through the HELP export.
import { readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const commandsDir = join(root, 'commands')

/** Every commands/**.ts file with the oclif command id it stands for (dev/up.ts -> "dev:up"). */
function commandFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return commandFiles(path)
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) return []
    const id = relative(commandsDir, path).slice(0, -'.ts'.length).split(sep).filter((part, i, all) => !(part === 'index' && i === all.length - 1)).join(':')
    return [{ id, path }]
  })
}

const commands = commandFiles(commandsDir).sort((a, b) => a.id.localeCompare(b.id))
const entry = [
  "export { execute } from './src/cli/main.ts'",
  // package.json oclif.helpClass: lattice's help (examples on the root and topic helps).
  "export { LatticeHelp as HELP } from './src/cli/help.ts'",
  ...commands.map((c, i) => `import C${i} from ${JSON.stringify(c.path)}`),
  `export const COMMANDS = {${commands.map((c, i) => `${JSON.stringify(c.id)}: C${i}`).join(', ')}}`,
].join('\n')

await build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'lattice-entry.js', loader: 'js' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: join(root, 'dist', 'lattice.js'),
  sourcemap: true,
  // Loaded only by oclif's TypeScript development mode, which a built CLI never uses.
  external: ['typescript', 'ts-node', 'tsx'],
  // Bundled CommonJS code calls require() for Node's built-ins and package.json files.
  banner: { js: "import { createRequire as __latticeRequire } from 'node:module'; const require = __latticeRequire(import.meta.url);" },
  logLevel: 'warning',
})
