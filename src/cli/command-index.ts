/**
 * dist/help/help.json, what the build recorded about the CLI (scripts/help-data.js writes it):
 * every command and topic id, which commands take arguments, each help page, and each command's
 * file in dist/direct/. Read by the two paths that answer without loading oclif (issue #19): the
 * help (fast-help.ts), which answers only while the index was built from the files the CLI runs
 * now (the stamps), and a command run (direct/run.ts), which resolves the words as oclif would.
 */
import { createRequire } from 'node:module'

// Node's modules through require: importing node:fs as an ES module loads fs/promises, readline
// and the streams (a tenth of the help's time).
const nodeRequire = createRequire(import.meta.url)
const { existsSync, readFileSync, statSync } = nodeRequire('node:fs') as typeof import('node:fs')
const { homedir } = nodeRequire('node:os') as typeof import('node:os')
const { dirname, join } = nodeRequire('node:path') as typeof import('node:path')

/** The layout of help.json (scripts/help-data.js writes it, this module reads it). */
export const HELP_DATA_FORMAT = 2

export type HelpIndex = {
  format: number
  stamp: Stamp[]
  bin: string
  name: string
  version: string
  usable: string[]
  withArgs: string[]
  /** Command or topic id -> its page's file in dist/help/ (root.json is the root's). */
  subjects: Record<string, string>
  /** lattice's own command id -> its file in dist/direct/ (direct/run.ts). */
  direct: Record<string, string>
}

/**
 * [path, size, mtimeMs, checksum of the content]. The path is relative to the package; one under
 * node_modules/ is looked up there as Node finds a package (in this package's, or a parent's).
 */
type Stamp = [string, number, number, number]

let loaded: { root: string; index: HelpIndex | undefined } | undefined

/** dist/help/help.json as the build wrote it (its stamps unchecked: a command's id and file are the build's). */
export function readIndex(root: string): HelpIndex {
  const file = join(root, 'dist', 'help', 'help.json')
  const index = JSON.parse(readFileSync(file, 'utf8')) as HelpIndex
  if (index.format !== HELP_DATA_FORMAT) throw notBuilt(`${file} was written by another version of lattice`)
  return index
}

/** An error bin/run.js words as "lattice is not built", not as a bug. */
export function notBuilt(what: string): Error {
  return Object.assign(new Error(what), { code: 'LATTICE_NOT_BUILT' })
}

/** dist/help/help.json, if it was built from the files the CLI runs now (the help's pages depend on them). */
export function loadIndex(root: string): HelpIndex | undefined {
  if (loaded?.root === root) return loaded.index
  let index: HelpIndex | undefined
  try {
    index = readIndex(root)
    if (!index.stamp.every((s) => sameFile(s, root))) index = undefined
  } catch {
    index = undefined
  }
  loaded = { root, index }
  return index
}

/** oclif's helpAddition: no words at all, or --help before any `--`. */
export function wantsHelp(args: string[]): boolean {
  if (args.length === 0) return true
  for (const arg of args) {
    if (arg === '--help') return true
    if (arg === '--') return false
  }
  return false
}

/** oclif's collateSpacedCmdIDFromArgs: the leading words joined into a command id ("shift actor" -> "shift:actor"). */
export function collate(argv: string[], index: HelpIndex): string[] {
  if (argv.length <= 1) return argv
  const usable = new Set(index.usable)
  const withArgs = new Set(index.withArgs)
  const final: string[] = []
  const idWith = (s?: string) => (s ? [...final, s] : final).filter(Boolean).join(':')
  for (const arg of argv) {
    if (usable.has(idWith(arg))) final.push(arg)
    // After a command that takes arguments, the next word is one of them.
    else if (arg.includes('=') || arg.startsWith('-') || (idWith() !== '' && withArgs.has(idWith()))) break
    else final.push(arg)
  }
  const id = idWith()
  return id ? [id, ...argv.slice(id.split(':').length)] : argv
}

/** A theme.json in lattice's config directory (oclif would colour its help and --json with it). */
export function userTheme(): boolean {
  const home = process.env.HOME || homedir()
  const dir = process.env.LATTICE_CONFIG_DIR || join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'lattice')
  return existsSync(join(dir, 'theme.json'))
}

function sameFile([path, size, mtimeMs, sum]: Stamp, root: string): boolean {
  const full = stampedPath(path, root)
  const s = full === undefined ? undefined : statSync(full, { throwIfNoEntry: false })
  if (s?.size !== size) return false
  // The mtime the build saw, else (npm packs every file with one fixed mtime) the same content.
  return s.mtimeMs === mtimeMs || checksum(readFileSync(full as string)) === sum
}

function stampedPath(path: string, root: string): string | undefined {
  if (!path.startsWith('node_modules/')) return join(root, path)
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return join(dir, path)
    if (dirname(dir) === dir) return undefined
  }
}

/** A file's stamp for help.json (scripts/help-data.js). */
export function fileStamp(path: string, root: string): Stamp {
  const full = stampedPath(path, root)
  if (full === undefined) throw new Error(`${path} not found from ${root}`)
  const s = statSync(full)
  return [path, s.size, s.mtimeMs, checksum(readFileSync(full))]
}

/** FNV-1a over 32-bit words: no node:crypto to load (it cost more than the whole check). */
function checksum(buf: Buffer): number {
  const words = buf.length >>> 2
  const view =
    buf.byteOffset % 4 === 0
      ? new Int32Array(buf.buffer, buf.byteOffset, words)
      : new Int32Array(Uint8Array.prototype.slice.call(buf, 0, words * 4).buffer)
  let h = 0x811c9dc5 ^ buf.length
  for (let i = 0; i < words; i++) h = Math.imul(h ^ view[i], 16777619)
  for (let i = words * 4; i < buf.length; i++) h = Math.imul(h ^ buf[i], 16777619)
  return h >>> 0
}
