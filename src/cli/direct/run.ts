/**
 * Runs a lattice command: bin/run.js calls directRun for every command line the help did not
 * take. The command the words name (resolved as oclif resolves them, from the build's index) runs
 * from dist/direct/ (scripts/bundle-direct.js) over lattice's Command (command.ts), the same way
 * on every platform and in every environment. False (nothing done) when the words name none of
 * lattice's commands (a typo, a plugin's command such as autocomplete): oclif answers those.
 */
import { createRequire } from 'node:module'
import { collate, notBuilt, readIndex, wantsHelp } from '../command-index.js'
import { guardOutput } from '../output-guard.js'
import { loadDirect } from './load.js'
// Types only: at run time the Command is the command's own (vendor.oclif.cjs, through loadDirect).
import type { DirectConfig } from './oclif.js'

type CommandClass = { id: string; run(argv: string[], config: DirectConfig): Promise<unknown> }

const nodeRequire = createRequire(import.meta.url)
const { join } = nodeRequire('node:path') as typeof import('node:path')
const { existsSync } = nodeRequire('node:fs') as typeof import('node:fs')

/** Run the command `argv` names; false (nothing done) when it names none of lattice's. */
export async function directRun(argv: string[], root: string): Promise<boolean> {
  const first = argv[0]
  if (first === undefined || first.startsWith('-') || first === 'help' || wantsHelp(argv)) return false
  const index = readIndex(root)
  // `lattice env:subjects` is oclif's spelling of `lattice env subjects`.
  const [id, ...rest] = first.includes(':') ? argv : collate(argv, index)
  const file = Object.hasOwn(index.direct, id) ? index.direct[id] : undefined
  if (!file) return false
  guardOutput()
  const path = join(root, 'dist', 'direct', file)
  if (!existsSync(path)) throw notBuilt(`${path} is missing`)
  const C = (loadDirect(path) as { default: CommandClass }).default
  C.id = id
  const config: DirectConfig = { bin: index.bin, name: index.name, version: index.version, topicSeparator: ' ', root }
  await C.run(rest, config)
  return true
}

// scripts/code-cache.js writes each file's cache through the same loader.
export { cacheUse, loadDirect } from './load.js'
