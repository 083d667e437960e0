/**
 * `lattice ... --help` without loading oclif (issue #19: evaluating oclif alone took longer than
 * the start-up target). bin/run.js calls fastHelp for the argv that may ask for help; it answers
 * from dist/help/help.json (scripts/help-data.js: the pieces of every page, computed by oclif's
 * own help at build time) laid out at this terminal's width by src/cli/help-layout.ts, exactly
 * as oclif would print it. Whenever it cannot be sure of that (a word that is neither a command
 * nor a topic, so oclif's error and suggestions must run; a help.json missing or from another
 * build; a user theme), it returns false and oclif answers. The same on every platform.
 * LATTICE_OCLIF_HELP=1 always leaves the help to oclif. Bundled alone as dist/fast-help.js and
 * its chunks, dist/fast-help/ (scripts/bundle.js): no oclif code.
 */
import { createRequire } from 'node:module'
import { type HelpIndex, collate, loadIndex, userTheme, wantsHelp } from './command-index.js'
import type { CommandPage, RootPage, TopicPage } from './help-layout.js'
import { guardOutput } from './output-guard.js'

// scripts/help-data.js writes the index with these (it imports dist/fast-help.js).
export { HELP_DATA_FORMAT, fileStamp } from './command-index.js'

// Node's modules through require: importing node:fs as an ES module loads fs/promises, readline
// and the streams (a tenth of the help's time).
const nodeRequire = createRequire(import.meta.url)
const { existsSync, readFileSync } = nodeRequire('node:fs') as typeof import('node:fs')
const { arch, platform, release } = nodeRequire('node:os') as typeof import('node:os')
const { join } = nodeRequire('node:path') as typeof import('node:path')
const { format } = nodeRequire('node:util') as typeof import('node:util')

/** Answer `argv`'s help on stdout as oclif would; false (nothing written) to leave it to oclif. */
export async function fastHelp(argv: string[], root: string): Promise<boolean> {
  // A theme colours oclif's help as fast-help cannot.
  if (process.env.LATTICE_OCLIF_HELP || userTheme()) return false
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
export async function renderHelp(
  argv: string[],
  opts: { root: string; width: number; colour?: boolean },
): Promise<string[] | undefined> {
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
    const subject = helpSubject(
      collate(
        args.filter((a) => a !== '--help'),
        index,
      ),
    )
    return subject === undefined ? 'root.json' : index.subjects[subject]
  }
  // No --help: oclif runs the command the words name, or shows the help of the topic they name.
  const id = args[0].includes(':') ? args[0] : collate(args, index)[0]
  const file = index.subjects[id]
  return file?.startsWith('topic.') ? file : undefined
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

/** oclif's lib/screen.js: OCLIF_COLUMNS, else the terminal's columns (at least 40), else 80. */
function terminalWidth(): number | undefined {
  const columns =
    Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10) ||
    (globalThis as { oclif?: { columns?: number } }).oclif?.columns
  if (columns) return columns
  if (!process.stdout.isTTY) return 80
  const width = process.stdout.getWindowSize()[0]
  return width < 1 ? 80 : Math.max(width, 40)
}

/** Whether oclif's help would be in colour here (help-layout.ts). */
export async function helpColour(): Promise<boolean> {
  return (await import('./help-layout.js')).helpColour()
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
