// Builds what `npm run build` adds to tsc's output (dist/src, dist/commands): dist/direct/, every
// lattice command bundled with the code it uses (scripts/bundle-direct.js: bin/run.js runs every
// command from there); dist/fast-help.js, the help without oclif; the dashboard's page. Why
// bundles: loading ~400 source files one by one took longer than the whole network part of a
// shift. esbuild reads the TypeScript directly (tsc, which runs first, does the type checking).
import { cpSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { bundleDirect } from './bundle-direct.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const commandsDir = join(root, 'commands')

/** Every commands/**.ts file with the oclif command id it stands for (dev/up.ts -> "dev:up"). */
function commandFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return commandFiles(path)
    if (!name.endsWith('.ts') || name.endsWith('.d.ts')) return []
    const id = relative(commandsDir, path)
      .slice(0, -'.ts'.length)
      .split(sep)
      .filter((part, i, all) => !(part === 'index' && i === all.length - 1))
      .join(':')
    return [{ id, path }]
  })
}

const commands = commandFiles(commandsDir).sort((a, b) => a.id.localeCompare(b.id))

// The help wraps its text, measuring each word with string-width, whose regular expressions
// (ANSI codes, emoji) dominate the wrapping. A string of printable ASCII is as wide as it is
// long, so only others go to string-width.
const stringWidthPath = join(root, 'node_modules', 'string-width', 'index.js')
const asciiWidthFirst = {
  name: 'ascii-width-first',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, () => ({ path: 'string-width', namespace: 'ascii-width-first' }))
    b.onLoad({ filter: /.*/, namespace: 'ascii-width-first' }, () => ({
      contents: `const stringWidth = require(${JSON.stringify(stringWidthPath)})\nconst width = (s) => (typeof s === 'string' && /^[\\x20-\\x7e]*$/.test(s) ? s.length : stringWidth(s))\nmodule.exports = width\nmodule.exports.default = width`,
      loader: 'js',
      resolveDir: root,
    }))
  },
}

const noColorConvert = {
  name: 'no-color-convert',
  setup(b) {
    b.onResolve({ filter: /^color-convert$/ }, () => ({ path: 'color-convert', namespace: 'no-color-convert' }))
    b.onLoad({ filter: /.*/, namespace: 'no-color-convert' }, () => ({
      contents: "throw new Error('color-convert is not in dist/fast-help.js')",
      loader: 'js',
    }))
  },
}
// wrap-ansi ends each wrap by copying its result character by character, to carry colour codes
// across line breaks: most of the help's time (and garbage). A result holding no escape character
// (ESC or CSI, its ESCAPES) comes out of that loop unchanged: return it as it is.
const WRAP_LOOP = "const pre = [...rows.join('\\n')];"
const wrapAnsiNoEscapesFast = {
  name: 'wrap-ansi-no-escapes-fast',
  setup(b) {
    b.onLoad({ filter: /[\\/]wrap-ansi[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(WRAP_LOOP) || !source.includes("const ESCAPES = new Set([\n\t'\\u001B',\n\t'\\u009B'\n]);"))
        throw new Error(
          `${args.path}: not the wrap-ansi scripts/bundle.js patches (version ${JSON.parse(readFileSync(join(args.path, '..', 'package.json'), 'utf8')).version})`,
        )
      return {
        contents: source.replace(
          WRAP_LOOP,
          "const joined = rows.join('\\n');\n\tif (!joined.includes('\\u001B') && !joined.includes('\\u009B')) return joined;\n\tconst pre = [...joined];",
        ),
        loader: 'js',
      }
    })
  },
}
// dist/fast-help.js: the help without oclif (src/cli/fast-help.ts), which bin/run.js tries first.
// Built alone (no chunk shared with oclif's): it must not load any of oclif.
// Its layout (help-layout.ts and the libraries) is a chunk of its own, dist/fast-help/, loaded
// only when there is a help to lay out.
rmSync(join(root, 'dist', 'fast-help'), { recursive: true, force: true })
const fastHelp = await build({
  entryPoints: [{ in: join(root, 'src', 'cli', 'fast-help.ts'), out: 'fast-help' }],
  bundle: true,
  splitting: true,
  chunkNames: 'fast-help/[name]-[hash]',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outdir: join(root, 'dist'),
  banner: {
    js: "import { createRequire as __latticeRequire } from 'node:module'; const require = __latticeRequire(import.meta.url);",
  },
  // wrap-ansi's ansi-styles requires color-convert only for colour models the help never asks for.
  plugins: [asciiWidthFirst, noColorConvert, wrapAnsiNoEscapesFast],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
})
const oclifInFastHelp = Object.keys(fastHelp.metafile.inputs).filter((input) => input.includes('@oclif'))
if (oclifInFastHelp.length > 0) throw new Error(`dist/fast-help.js bundles oclif code: ${oclifInFastHelp.join(', ')}`)

await bundleDirect(root, commands)

// The dashboard's page (src/dashboard/page): served by `lattice dashboard` from dist/dashboard-page.
rmSync(join(root, 'dist', 'dashboard-page'), { recursive: true, force: true })
const pageOut = join(root, 'dist', 'dashboard-page')
cpSync(join(root, 'src', 'dashboard', 'page'), pageOut, {
  recursive: true,
  filter: (src) => !src.endsWith('.ts') && !src.endsWith('tsconfig.json'),
})
// The page's script, for the browser (its types are checked by src/dashboard/page/tsconfig.json
// in `npm run typecheck`). One file, no eval: the server's CSP is default-src 'self'.
await build({
  entryPoints: [join(root, 'src', 'dashboard', 'page', 'app.ts')],
  bundle: true,
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  format: 'iife',
  outfile: join(pageOut, 'app.js'),
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
})
// uPlot (npm "uplot", MIT, no dependencies; a build-time dependency: its files are copied into
// dist) draws the charts: served as the package ships it,
// nothing fetched at build or run time.
const uplotDist = join(root, 'node_modules', 'uplot', 'dist')
for (const f of ['uPlot.iife.min.js', 'uPlot.min.css']) cpSync(join(uplotDist, f), join(pageOut, f))
