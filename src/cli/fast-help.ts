/**
 * `lattice ... --help` without loading oclif (issue #19: evaluating oclif alone took longer than
 * the start-up target). bin/run.js calls fastHelp for the argv that may ask for help; it answers
 * from dist/help/help.json (scripts/help-data.js: the pieces of every page, computed by oclif's
 * own help at build time) laid out at this terminal's width by src/cli/help-layout.ts, exactly
 * as oclif would print it. Whenever it cannot be sure of that (a word that is neither a command
 * nor a topic, so oclif's error and suggestions must run; a help.json missing or from another
 * build; a user theme; DEBUG set; Windows), it returns false and oclif answers.
 * LATTICE_OCLIF_HELP=1 always leaves the help to oclif. Bundled alone as dist/fast-help.js and
 * its chunks, dist/fast-help/ (scripts/bundle.js): no oclif code.
 */
import { createRequire } from 'node:module'
import type { CommandPage, RootPage, TopicPage } from './help-layout.js'
import { guardOutput } from './output-guard.js'

// Node's modules through require: importing node:fs as an ES module loads fs/promises, readline
// and the streams (a tenth of the help's time).
const nodeRequire = createRequire(import.meta.url)
const { existsSync, readFileSync, statSync } = nodeRequire('node:fs') as typeof import('node:fs')
const { arch, homedir, platform, release } = nodeRequire('node:os') as typeof import('node:os')
const { dirname, join } = nodeRequire('node:path') as typeof import('node:path')
const { format } = nodeRequire('node:util') as typeof import('node:util')

/** The layout of dist/help/ (scripts/help-data.js writes it, this module reads it). */
export const HELP_DATA_FORMAT = 1

/** dist/help/help.json: what the pages were built from, and which page each id names. */
type HelpIndex = {
  format: number
  stamp: Stamp[]
  bin: string
  name: string
  version: string
  usable: string[]
  withArgs: string[]
  /** Command or topic id -> its page's file in dist/help/ (root.json is the root's). */
  subjects: Record<string, string>
}

/**
 * [path, size, mtimeMs, checksum of the content]. The path is relative to the package; one under
 * node_modules/ is looked up there as Node finds a package (in this package's, or a parent's).
 */
type Stamp = [string, number, number, number]

/** Answer `argv`'s help on stdout as oclif would; false (nothing written) to leave it to oclif. */
export async function fastHelp(argv: string[], root: string): Promise<boolean> {
  // DEBUG asks for oclif's debug lines: only oclif prints them.
  if (process.env.LATTICE_OCLIF_HELP || process.env.DEBUG || process.platform === 'win32' || userTheme()) return false
  const width = terminalWidth()
  // oclif has no lower bound for OCLIF_COLUMNS; fast-help is tested from 40 columns.
  if (width === undefined || width < 40) return false
  const lines = await renderHelp(argv, { root, width })
  if (!lines) return false
  guardOutput()
  // oclif's Help.log: console.log(format(...args)).
  for (const line of lines) console.log(format(line))
  return true
}

/**
 * The strings oclif's help would log for `argv` (after main.ts's `help` rewrite), or undefined.
 * Colour as oclif would decide it here, unless given. The layout (its libraries: most of this
 * code) is loaded only once there is a page to lay out: a command run alone does not pay for it.
 */
export async function renderHelp(argv: string[], opts: { root: string; width: number; colour?: boolean }): Promise<string[] | undefined> {
  const index = loadIndex(opts.root)
  if (!index) return undefined
  const file = helpPage(argv, index)
  if (!file) return undefined
  const { HelpLayout, helpColour } = await import('./help-layout.js')
  const colour = opts.colour ?? helpColour()
  let page: unknown
  try {
    let text = readFileSync(join(opts.root, 'dist', 'help', file), 'utf8')
    // The only codes in it are oclif's underline of flag values (help-data.js checks).
    if (!colour) text = text.replace(/\\u001b\[(?:4|24)m/g, '')
    page = JSON.parse(text)
  } catch {
    return undefined
  }
  const layout = new HelpLayout(opts.width, colour)
  if (file === 'root.json') {
    if (looksLikeWsl()) return undefined // oclif names the platform "wsl" in the VERSION
    const userAgent = `${index.name}/${index.version} ${platform()}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}`
    return layout.rootHelp(page as RootPage, userAgent)
  }
  return file.startsWith('command.') ? layout.commandHelp(page as CommandPage) : layout.topicHelp(page as TopicPage)
}

/** The page file of what oclif's run() and Help.showHelp() show for `argv`; undefined when they would do anything else. */
function helpPage(argv: string[], index: HelpIndex): string | undefined {
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv // src/cli/main.ts
  if (args[0] === '--version') return undefined // oclif's versionAddition comes first
  if (wantsHelp(args)) {
    const subject = helpSubject(collate(args.filter((a) => a !== '--help'), index))
    return subject === undefined ? 'root.json' : index.subjects[subject]
  }
  // No --help: oclif runs the command the words name, or shows the help of the topic they name.
  const id = args[0].includes(':') ? args[0] : collate(args, index)[0]
  const file = index.subjects[id]
  return file?.startsWith('topic.') ? file : undefined
}

/** oclif's helpAddition: no words at all, or --help before any `--`. */
function wantsHelp(args: string[]): boolean {
  if (args.length === 0) return true
  for (const arg of args) {
    if (arg === '--help') return true
    if (arg === '--') return false
  }
  return false
}

/** oclif's getHelpSubject: the first word that is not `help`; none if a flag or `--` comes first. */
function helpSubject(args: string[]): string | undefined {
  for (const arg of args) {
    if (arg === '--') return undefined
    if (arg === 'help') continue
    if (arg.startsWith('-')) return undefined
    return arg
  }
  return undefined
}

/** oclif's collateSpacedCmdIDFromArgs: the leading words joined into a command id ("shift actor" -> "shift:actor"). */
function collate(argv: string[], index: HelpIndex): string[] {
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

let loaded: { root: string; index: HelpIndex | undefined } | undefined

/** dist/help/help.json, if it was built from the files the CLI runs now. */
function loadIndex(root: string): HelpIndex | undefined {
  if (loaded?.root === root) return loaded.index
  let index: HelpIndex | undefined
  try {
    index = JSON.parse(readFileSync(join(root, 'dist', 'help', 'help.json'), 'utf8')) as HelpIndex
    if (index.format !== HELP_DATA_FORMAT || !index.stamp.every((s) => sameFile(s, root))) index = undefined
  } catch {
    index = undefined
  }
  loaded = { root, index }
  return index
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
  const view = buf.byteOffset % 4 === 0 ? new Int32Array(buf.buffer, buf.byteOffset, words) : new Int32Array(Uint8Array.prototype.slice.call(buf, 0, words * 4).buffer)
  let h = 0x811c9dc5 ^ buf.length
  for (let i = 0; i < words; i++) h = Math.imul(h ^ view[i], 16777619)
  for (let i = words * 4; i < buf.length; i++) h = Math.imul(h ^ buf[i], 16777619)
  return h >>> 0
}

/** oclif's lib/screen.js: OCLIF_COLUMNS, else the terminal's columns (at least 40), else 80. */
function terminalWidth(): number | undefined {
  const columns = Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10) || (globalThis as { oclif?: { columns?: number } }).oclif?.columns
  if (columns) return columns
  if (!process.stdout.isTTY) return 80
  const width = process.stdout.getWindowSize()[0]
  return width < 1 ? 80 : Math.max(width, 40)
}

/** Whether oclif's help would be in colour here (help-layout.ts). */
export async function helpColour(): Promise<boolean> {
  return (await import('./help-layout.js')).helpColour()
}

/** A theme.json in lattice's config directory (oclif would colour the help with it). */
function userTheme(): boolean {
  const home = process.env.HOME || homedir()
  const dir = process.env.LATTICE_CONFIG_DIR || join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'lattice')
  return existsSync(join(dir, 'theme.json'))
}

/** What oclif's platform check (wsl-utils) would call WSL, or more. */
function looksLikeWsl(): boolean {
  if (process.platform !== 'linux') return false
  if (release().toLowerCase().includes('microsoft')) return true
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return true
  } catch {}
  return existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')
}
