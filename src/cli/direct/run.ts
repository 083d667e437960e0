/**
 * A lattice command run without oclif's runtime (issue #19): evaluating oclif, loading its config
 * and its plugins took longer than a whole `lattice env subjects`. bin/run.js calls directRun for
 * every command line the help did not take; it runs the command from dist/direct/ (the commands
 * built over command.ts instead of oclif's Command, scripts/bundle-direct.js) when it is sure oclif would
 * run the same command with the same words, and answers false (nothing written, nothing done) for
 * anything else: a word oclif must resolve (a typo, a plugin's command, `id:with:colons`), help,
 * --version, a command line oclif's parser refuses (its error is oclif's to word), an index from
 * another build, a user theme, DEBUG, Windows, LATTICE_OCLIF_RUN=1. oclif then runs it as always.
 */
import { createRequire } from 'node:module'
import { collate, loadIndex, userTheme, wantsHelp } from '../build-index.js'
import { guardOutput } from '../output-guard.js'
import { loadDirect } from './load.js'
// Types only: at run time the stand-in is the command's own (vendor.oclif.cjs, through loadDirect).
import type { Command, DirectConfig, OclifNeeded } from './oclif.js'

const nodeRequire = createRequire(import.meta.url)
const { join } = nodeRequire('node:path') as typeof import('node:path')

type CommandClass = (new (argv: string[], config: DirectConfig) => Command) & { id: string }

/** Run the command `argv` names, as oclif would; false (nothing done) to leave it to oclif. */
export async function directRun(argv: string[], root: string): Promise<boolean> {
  // DEBUG asks for oclif's debug lines; on Windows oclif's config differs (paths, shell).
  if (process.env.LATTICE_OCLIF_RUN || process.env.DEBUG || process.platform === 'win32') return false
  const first = argv[0]
  if (first === undefined || first.startsWith('-') || first.includes(':') || first === 'help' || wantsHelp(argv)) return false
  const index = loadIndex(root)
  if (!index) return false
  const [id, ...rest] = collate(argv, index)
  const file = Object.hasOwn(index.direct, id) ? index.direct[id] : undefined
  if (!file || userTheme()) return false
  guardOutput()
  const dir = join(root, 'dist', 'direct')
  const C = (loadDirect(join(dir, file)) as { default: CommandClass }).default
  C.id = id
  const config: DirectConfig = { bin: index.bin, name: index.name, version: index.version, topicSeparator: ' ', root }
  try {
    await new C(rest, config)._run()
  } catch (err) {
    if (err instanceof (loadDirect(join(dir, 'vendor.oclif.cjs')) as { OclifNeeded: typeof OclifNeeded }).OclifNeeded) return false
    throw err
  }
  return true
}

// scripts/code-cache.js writes each file's cache through the same loader.
export { cacheUse, loadDirect } from './load.js'
