// Writes V8's code cache beside every file of dist/direct/ (<file>.v8cache), which
// src/cli/direct/load.ts hands to V8 when it loads the file: a command then starts without
// compiling what its loading runs (issue #19). V8 caches the functions compiled so far, so each
// file is cached after it has been loaded (run) through that loader, and after a warm-up of what
// most commands do next: parse a command line (oclif's parser) and a spec (yaml). Run by
// scripts/bundle-direct.js in a process of its own, with the Node `lattice` will run on: V8
// rejects a cache from another version or other flags (the file is then compiled as usual).
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = join(root, 'dist', 'direct')
const { loadDirect } = createRequire(import.meta.url)(join(dir, 'run.cjs'))
for (const name of readdirSync(dir)) if (name.endsWith('.v8cache')) rmSync(join(dir, name))

const scripts = []
const load = (name) => loadDirect(join(dir, name), (file, script) => scripts.push([file, script]))
const commands = []
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.cjs') || name === 'run.cjs') continue
  const exports = load(name)
  if (!name.startsWith('vendor.')) commands.push(exports.default)
}

// The warm-up. The specs of docs/specs.md, parsed as src/spec/parse.ts parses a spec:
const { parseDocument, LineCounter } = load('vendor.yaml.cjs')
const specs = [...readFileSync(join(root, 'docs', 'specs.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (m) => m[1],
)
if (specs.length === 0) throw new Error('scripts/code-cache.js: no yaml example in docs/specs.md')
for (const text of specs)
  parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true }).toJS()
// Each command's flags and arguments through oclif's parser, as the stand-in parses them; a
// command line it refuses (a missing argument) still runs most of the parser.
const config = { bin: 'lattice', name: 'lattice', version: '0', topicSeparator: ' ', root }
for (const Command of commands) {
  const command = new Command(['--json'], config)
  await command.parse().catch(() => {})
}

for (const [file, script] of scripts) writeFileSync(`${file}.v8cache`, script.createCachedData())
if (scripts.length < 2) throw new Error('scripts/code-cache.js: no file in dist/direct/')
