/**
 * Every help page (root, each topic, each command) at each width, rendered twice in this process:
 * by oclif (lattice's help class, dist/src/cli/help.js, over oclif's Config) and by the fast
 * help (dist/fast-help.js). Both decide colour from this process's environment (FORCE_COLOR...).
 * Run as a script (`node --import tsx test/helpers/help-compare.ts`), it prints the result as JSON:
 * test/integration/fast-help.test.ts runs it with colour forced on and off.
 */
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format } from 'node:util'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const WIDTHS = [40, 47, 63, 80, 97, 120, 160, 250]

type Help = { log: (...args: unknown[]) => void; showHelp(argv: string[]): Promise<void> }
type Named = { id?: string; name?: string }

export interface Comparison {
  colour: boolean
  /** The argv compared ([] for the root). */
  pages: string[][]
  mismatches: { argv: string[]; width: number; oclif: string; fast: string | undefined }[]
}

export async function compareHelp(widths = WIDTHS): Promise<Comparison> {
  const { Config } = await import('@oclif/core')
  const { LatticeHelp: HELP } = (await import(pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'help.js')).href)) as {
    LatticeHelp: new (config: unknown, opts: { maxWidth: number }) => Help
  }
  const fast = (await import(pathToFileURL(join(ROOT, 'dist', 'fast-help.js')).href)) as {
    renderHelp(argv: string[], opts: { root: string; width: number; colour: boolean }): Promise<string[] | undefined>
    helpColour(): Promise<boolean>
  }
  const config = await Config.load(ROOT)
  const colour = await fast.helpColour()
  // oclif renames commands and topics in place while it renders (shift:actor -> "shift actor").
  const names: [Named, 'id' | 'name', string][] = [
    ...config.commands.map((c) => [c, 'id', c.id] as [Named, 'id', string]),
    ...config.topics.map((t) => [t, 'name', t.name] as [Named, 'name', string]),
  ]
  const pages: string[][] = [
    [],
    ...config.topics.filter((t) => !config.findCommand(t.name)).map((t) => [...t.name.split(':'), '--help']),
    ...config.commands.map((c) => [...c.id.split(':'), '--help']),
  ]
  // A topic alone (no --help) is its help too: oclif's run() hands it to showHelp([id]).
  const topicsAlone = config.topics.filter((t) => !config.findCommand(t.name)).map((t) => t.name.split(':'))
  const mismatches: Comparison['mismatches'] = []
  for (const width of widths) {
    for (const argv of [...pages, ...topicsAlone]) {
      const out: string[] = []
      const help = new HELP(config, { maxWidth: width })
      help.log = (...args: unknown[]) => out.push(`${format(...args)}\n`)
      try {
        await help.showHelp(argv.includes('--help') || argv.length === 0 ? argv : [argv.join(':')])
      } finally {
        for (const [obj, key, value] of names) obj[key] = value
      }
      const lines = await fast.renderHelp(argv, { root: ROOT, width, colour })
      const fastText = lines?.map((l) => `${format(l)}\n`).join('')
      if (fastText !== out.join('')) mismatches.push({ argv, width, oclif: out.join(''), fast: fastText })
    }
  }
  return { colour, pages: [...pages, ...topicsAlone], mismatches }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await compareHelp()
  process.stdout.write(
    `${JSON.stringify({ ...result, mismatches: result.mismatches.slice(0, 3), mismatchCount: result.mismatches.length })}\n`,
  )
}
