// dist/direct/: lattice's commands, each built to run over lattice's Command (src/cli/direct/,
// which bin/run.js runs for every command; issues #19, #31). Evaluating oclif and loading its
// config took longer than a whole `lattice env subjects`.
//
// CommonJS, one file per command: Node 20 loads each ES module through an asynchronous pipeline
// (resolve, read, compile, link), which cost more per chunk than the chunk's code; required
// CommonJS files are read and compiled in one synchronous step. What several commands share and
// is large goes into a vendor file of its own, required by all of them (vendor.<name>.cjs):
// nats.js, nkeys.js, tweetnacl, yaml, nats-jwt, and oclif's part (vendor.oclif.cjs). Every file
// sits in dist/direct/ itself, so each finds the others as ./vendor.<name>.cjs.
//
// vendor.oclif.cjs (src/cli/direct/oclif.ts) is what '@oclif/core' is to lattice's code here:
// oclif's own flag and argument builders and its parser, and lattice's Command. What those oclif
// files require only to word an error (oclif's errors, ux and debug logger, which load its config
// and most of the rest) is a stand-in; the list and colours a parse error is worded with are
// oclif's own, built into vendor.oclif-ux.cjs and required only when there is an error to word.
// Patched oclif files are checked below: @oclif/core is pinned exactly in package.json.
import { spawnSync } from 'node:child_process'
import { readFileSync, realpathSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { build } from 'esbuild'

const OCLIF_STAND_INS = {
  'errors/index.js': `class CLIError extends Error {
  constructor(error, options = {}) {
    super(error instanceof Error ? error.message : error)
    this.oclif = { exit: options.exit ?? 2 }
  }
}
module.exports = { CLIError }`,
  'help/index.js': 'module.exports = {}',
  'ux/index.js':
    'const colorize = (colour, text) => require("./vendor.oclif-ux.cjs").colorize(colour, text)\nmodule.exports = { colorize, ux: { colorize } }',
  'ux/list.js':
    'module.exports = { __esModule: true, default: (items) => require("./vendor.oclif-ux.cjs").list(items) }',
  'ux/theme.js':
    'module.exports = { colorize: (colour, text) => require("./vendor.oclif-ux.cjs").colorize(colour, text) }',
  'logger.js': 'module.exports = { makeDebug: () => () => {} }',
}

// The oclif files the stand-in may hold; another one means an oclif upgrade reaches further
// (start-up would grow unseen): look at what it needs, then add it here or a stand-in above.
const OCLIF_FILES = [
  'args.js',
  'cache.js',
  'flags.js',
  'parser/errors.js',
  'parser/help.js',
  'parser/index.js',
  'parser/parse.js',
  'parser/validate.js',
  'util/fs.js',
  'util/util.js',
]

const VENDOR_PACKAGES = ['nats', 'nkeys.js', 'tweetnacl', 'yaml', 'nats-jwt']

// Node modules oclif's parser files require at load but use only on a path lattice seldom takes
// (a flag read from stdin, a file or directory flag): loaded on first use instead (~3 ms).
const LAZY_BUILTINS = { 'parser/parse.js': ['node:readline'], 'util/fs.js': ['node:fs/promises'] }

/** Build dist/direct/ from `commands` ({ id, path } of every commands/**.ts). */
export async function bundleDirect(root, commands) {
  const out = join(root, 'dist', 'direct')
  // Where Node finds oclif from the package, as esbuild reports it (symlinks resolved).
  const oclifLib = join(
    realpathSync(dirname(createRequire(join(root, 'package.json')).resolve('@oclif/core/package.json'))),
    'lib',
  )
  const standIn = join(root, 'src', 'cli', 'direct', 'oclif.ts')
  const command = join(root, 'src', 'cli', 'direct', 'command.ts')
  rmSync(out, { recursive: true, force: true })

  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: out,
    outExtension: { '.js': '.cjs' },
    // Each command file holds its own copy of lattice's code (CommonJS bundles share no chunks),
    // most of the package's size: whitespace and syntax minified.
    minifyWhitespace: true,
    minifySyntax: true,
    // No source maps: 17 MB for 34 copies of the same sources; names are kept for stack traces.
    metafile: true,
    // The sources are ES modules (strict, import.meta.url): so is their CommonJS here.
    define: { 'import.meta.url': '__latticeModuleUrl' },
    banner: { js: '"use strict"; const __latticeModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    // Loaded only by oclif's TypeScript development mode, which lattice never uses.
    external: ['typescript', 'ts-node', 'tsx'],
    logLevel: 'warning',
  }

  // The real entry file of each vendor package, as the bundles would resolve it.
  const vendorEntries = new Map()
  const vendored = (self) => ({
    name: 'vendored',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'vendored' || args.kind === 'entry-point') return undefined
        if (args.path === '@oclif/core' && !args.importer.includes(`${sep}node_modules${sep}`))
          return self === 'oclif' ? { path: standIn } : { path: './vendor.oclif.cjs', external: true }
        // lattice's Command (src/cli/base.ts imports it) is vendor.oclif.cjs's: one copy of it and of oclif's parser.
        if (
          self !== 'oclif' &&
          args.path.startsWith('.') &&
          [standIn, command].includes(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'))
        )
          return { path: './vendor.oclif.cjs', external: true }
        if (!VENDOR_PACKAGES.includes(args.path) || args.path === self) return undefined
        const real = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'vendored',
        })
        // Another copy of the package (a nested version) stays in the bundle that uses it.
        return real.path === vendorEntries.get(args.path)
          ? { path: `./vendor.${args.path}.cjs`, external: true }
          : undefined
      })
      if (self !== 'oclif') return
      b.onResolve({ filter: /^\.\/vendor\.oclif-ux\.cjs$/ }, (args) => ({ path: args.path, external: true }))
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.startsWith(oclifLib + sep)) return undefined
        const target = relative(oclifLib, join(args.resolveDir, args.path)).split(sep).join('/')
        for (const name of [target, `${target}.js`, `${target}/index.js`])
          if (OCLIF_STAND_INS[name] !== undefined) return { path: name, namespace: 'oclif-stand-in' }
        return undefined
      })
      b.onLoad({ filter: /.*/, namespace: 'oclif-stand-in' }, (args) => ({
        contents: OCLIF_STAND_INS[args.path],
        loader: 'js',
      }))
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const builtins =
          args.path.startsWith(oclifLib + sep) && LAZY_BUILTINS[relative(oclifLib, args.path).split(sep).join('/')]
        if (!builtins) return undefined
        let source = readFileSync(args.path, 'utf8')
        for (const id of builtins) {
          const eager = new RegExp(`^const (\\w+) = require\\("${id}"\\);$`, 'm')
          if (!eager.test(source))
            throw new Error(`${args.path} no longer requires ${id} as scripts/bundle-direct.js expects`)
          source = source.replace(
            eager,
            (_, name) =>
              `let ${name}_loaded; const ${name} = new Proxy({}, { get: (_, key) => (${name}_loaded ??= require("${id}"))[key] });`,
          )
        }
        return { contents: source, loader: 'js' }
      })
    },
  })

  const resolver = await build({
    ...common,
    write: false,
    metafile: false,
    stdin: { contents: '', resolveDir: root },
    plugins: [
      {
        name: 'entries',
        setup: (b) =>
          b.onStart(async () => {
            for (const name of VENDOR_PACKAGES)
              vendorEntries.set(name, (await b.resolve(name, { kind: 'import-statement', resolveDir: root })).path)
          }),
      },
    ],
  })
  if (resolver.errors.length > 0) throw new Error('scripts/bundle-direct.js: could not resolve the vendor packages')

  const inputs = []
  for (const name of [...VENDOR_PACKAGES, 'oclif']) {
    const result = await build({
      ...common,
      entryPoints: [{ in: name === 'oclif' ? standIn : vendorEntries.get(name), out: `vendor.${name}` }],
      plugins: [vendored(name)],
    })
    inputs.push(...Object.keys(result.metafile.inputs).map((input) => [`vendor.${name}`, input]))
  }
  // oclif's list and colours, for the words of a parse error (the stand-ins above require it).
  await build({
    ...common,
    metafile: false,
    stdin: {
      contents: `exports.list = require('./ux/list.js').default\nexports.colorize = require('./ux/theme.js').colorize`,
      resolveDir: oclifLib,
      sourcefile: 'oclif-ux.js',
    },
    outfile: join(out, 'vendor.oclif-ux.cjs'),
    outdir: undefined,
  })
  const result = await build({
    ...common,
    entryPoints: [
      { in: join(root, 'src', 'cli', 'direct', 'run.ts'), out: 'run' },
      ...commands.map((c) => ({ in: c.path, out: directModule(c.id) })),
    ],
    plugins: [vendored(undefined)],
  })
  inputs.push(...Object.keys(result.metafile.inputs).map((input) => ['commands', input]))

  const oclifInputs = inputs
    .filter(([, input]) => input.includes('@oclif/core/lib/'))
    .map(([file, input]) => [file, input.slice(input.indexOf('@oclif/core/lib/') + '@oclif/core/lib/'.length)])
  const extra = oclifInputs.filter(([file, input]) => file !== 'vendor.oclif' || !OCLIF_FILES.includes(input))
  if (extra.length > 0)
    throw new Error(
      `dist/direct/ bundles more of oclif than scripts/bundle-direct.js allows: ${extra.map(([f, i]) => `${i} (${f})`).join(', ')}`,
    )
  const runtime = inputs.filter(([, input]) =>
    /node_modules\/(@oclif\/(?!core\/)|ansis\/|wrap-ansi\/|ejs\/|debug\/|string-width\/)/.test(input),
  )
  if (runtime.length > 0)
    throw new Error(`dist/direct/ bundles oclif's runtime: ${runtime.map(([f, i]) => `${i} (${f})`).join(', ')}`)

  // The code cache, in a process of its own: it runs every file it caches.
  const cache = spawnSync(process.execPath, [join(root, 'scripts', 'code-cache.js')], { stdio: 'inherit' })
  if (cache.status !== 0) throw new Error('scripts/code-cache.js failed')
}

/** A command's file in dist/direct/, by id (env:subjects -> env.subjects.cjs); help-data.js records it. */
export function directModule(id) {
  return id.split(':').join('.') || 'index'
}
