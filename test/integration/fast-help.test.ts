/**
 * The help without oclif (src/cli/fast-help.ts, dist/fast-help.js): byte for byte oclif's, for
 * every page at many widths, with and without colour; what it leaves to oclif (unknown words,
 * stale or missing data, LATTICE_OCLIF_HELP=1) oclif answers; and it does not load oclif.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CommandHelp, Config } from '@oclif/core'
import { afterAll, describe, expect, it } from 'vitest'
import { HelpLayout } from '../../src/cli/help-layout.js'
import { cleanEnv, lattice as latticeCli } from '../helpers/cli.js'
import { type Comparison, WIDTHS, compareHelp } from '../helpers/help-compare.js'
import { packageCopies } from '../helpers/package-copy.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const COMPARE = fileURLToPath(new URL('../helpers/help-compare.ts', import.meta.url))
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url))
const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, unknown>
}

/** DEBUG (oclif's debug lines) leaves the help to oclif: not from the caller's shell here. */
const lattice = (args: string[], env: Record<string, string | undefined> = {}) =>
  latticeCli(args, { DEBUG: '', ...env })

function run(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      { env: cleanEnv({ DEBUG: '', ...env }), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
      },
    )
  })
}

function expectAllSame(result: Comparison): void {
  const first = result.mismatches[0]
  expect(first && { argv: first.argv, width: first.width, fast: first.fast, oclif: first.oclif }).toBeUndefined()
  // Every page was compared: the root, every command (lattice's and the autocomplete plugin's), every topic.
  expect(result.pages).toContainEqual([])
  for (const id of [...Object.keys(manifest.commands), 'autocomplete'])
    expect(result.pages).toContainEqual([...id.split(':'), '--help'])
  for (const topic of ['shift', 'fault', 'verify', 'dev', 'env', 'host']) {
    expect(result.pages).toContainEqual([topic, '--help'])
    expect(result.pages).toContainEqual([topic])
  }
}

describe("the fast help is oclif's help", () => {
  it(`in this process: every page at widths ${WIDTHS.join(', ')}`, async () => {
    expectAllSame(await compareHelp())
  })

  it.each([
    ['with colour', '3', true],
    ['without colour', '0', false],
  ])('%s (FORCE_COLOR): every page at every width', async (_, force, colour) => {
    const r = await run('--import', [TSX, COMPARE], { FORCE_COLOR: force, NO_COLOR: undefined })
    expect(r.stderr).toBe('')
    const result = JSON.parse(r.stdout) as Comparison & { mismatchCount: number }
    expect(result.colour).toBe(colour)
    expectAllSame(result)
    expect(result.mismatchCount).toBe(0)
  })

  it('lays out FLAG DESCRIPTIONS as oclif does (no lattice flag has one yet): beside the label while it fits, else below', async () => {
    const config = await Config.load(ROOT)
    const description =
      'A longer description of the flag, which oclif wraps below its label in FLAG DESCRIPTIONS, indented.'
    const flags = [
      { name: 'short', type: 'boolean', summary: 'Fits.', description },
      {
        name: 'server',
        char: 's',
        type: 'option',
        summary: 'A summary just long enough to need the next line at some widths',
        description,
      },
      { name: 'exact', type: 'option', summary: 'x'.repeat(40), description },
    ]
    for (const width of [40, 47, 50, 51, 52, 63, 80, 120]) {
      // Both are protected in oclif's typings.
      const ch = new CommandHelp({ id: 'x', flags: {}, args: {} } as never, config, { maxWidth: width }) as unknown as {
        flagHelpLabel(f: unknown, showOptions: boolean): string
        flagsDescriptions(f: unknown[]): string
      }
      const layout = new HelpLayout(width, false)
      const entries = flags.map((f) => ({
        label: f.char ? ch.flagHelpLabel(f, true) : ch.flagHelpLabel(f, true).replace('    ', ''),
        summary: f.summary,
        description: f.description,
      }))
      expect(layout.flagDescriptions(entries), `width ${width}`).toBe(ch.flagsDescriptions(flags))
    }
  })
})

describe('lattice with the fast help, run end to end', () => {
  const cases = [
    ['shift', 'actor', '--help'],
    ['help', 'shift', 'actor'],
    ['shift', '--help'],
    ['shift'],
    ['--help'],
    [],
    ['rollout', 'actor', '--help'],
    ['rollout', '--help'],
    ['shift', 'actor', 'MBXYZ', '--help'],
    ['--json', '--help'],
  ]
  it.each(cases.map((c) => [c.join(' ') || '(no words)', c]))(
    'lattice %s: what oclif prints, exit 0',
    async (_, args) => {
      const [fast, oclif] = await Promise.all([
        lattice(args, { OCLIF_COLUMNS: '57' }),
        lattice(args, { OCLIF_COLUMNS: '57', LATTICE_OCLIF_HELP: '1' }),
      ])
      expect(oclif.code).toBe(0)
      expect(oclif.stdout.length).toBeGreaterThan(100)
      expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual({
        code: 0,
        stdout: oclif.stdout,
        stderr: '',
      })
    },
  )

  it("a misspelt command still gets oclif's error, and lattice's USAGE error with the suggestion", async () => {
    const [fast, oclif] = await Promise.all([
      lattice(['shfit', '--help']),
      lattice(['shfit', '--help'], { LATTICE_OCLIF_HELP: '1' }),
    ])
    expect(fast).toEqual(oclif)
    expect(fast.code).not.toBe(0)
    expect(fast.stderr).toContain('shfit')
    const typo = await lattice(['shfit'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toBe(
      'Error [USAGE]: Unknown command "shfit". Did you mean "shift"?\n  `lattice --help` lists every command.\n',
    )
  })

  it('does not load oclif (nor any command); LATTICE_OCLIF_HELP=1 does', async () => {
    // NODE_DEBUG=esm names each ES module Node translates; =module each CommonJS file it loads.
    const modules = (stderr: string) =>
      [...stderr.matchAll(/(?:Translating StandardModule|load) "?(\S+?)"?(?: for module|\s|$)/g)].map((m) => m[1])
    const oclifCode = (m: string) => /\/dist\/src\/cli\/main\.js|@oclif\/core\/lib\/(config|help)\//.test(m)
    const fast = modules((await lattice(['shift', 'actor', '--help'], { NODE_DEBUG: 'esm,module' })).stderr)
    expect(fast.some((m) => m.endsWith('/dist/fast-help.js'))).toBe(true)
    expect(fast.filter(oclifCode)).toEqual([])
    const oclif = modules(
      (await lattice(['shift', 'actor', '--help'], { NODE_DEBUG: 'esm,module', LATTICE_OCLIF_HELP: '1' })).stderr,
    )
    expect(oclif.some((m) => m.endsWith('/dist/src/cli/main.js'))).toBe(true)
    // One word that names a command, not a topic, is a command to run: the fast help is not even
    // loaded, nor oclif's runtime (src/cli/direct/).
    const command = modules((await lattice(['status'], { NODE_DEBUG: 'esm,module' })).stderr)
    expect(command.some((m) => m.includes('/dist/fast-help'))).toBe(false)
    expect(command.filter(oclifCode)).toEqual([])
    const topic = modules((await lattice(['shift'], { NODE_DEBUG: 'esm' })).stderr)
    expect(topic.some((m) => m.endsWith('/dist/fast-help.js'))).toBe(true)
  })

  describe('in a copy of the package', () => {
    const copies = packageCopies('lattice-fast-help-')
    afterAll(copies.removeAll)
    const copy = copies.copy
    const loadsOclif = (stderr: string) => /Translating StandardModule \S+\/dist\/src\/cli\/main\.js/.test(stderr)

    it('answers with the same content under other mtimes (an npm install), and says how to build when help.json is missing', async () => {
      const dir = copy()
      const bin = join(dir, 'bin', 'run.js')
      const fast = await run(bin, ['shift', 'actor', '--help'], { NODE_DEBUG: 'esm', OCLIF_COLUMNS: '63' })
      expect(loadsOclif(fast.stderr)).toBe(false)
      const expected = await lattice(['shift', 'actor', '--help'], { OCLIF_COLUMNS: '63', LATTICE_OCLIF_HELP: '1' })
      expect(fast.stdout).toBe(expected.stdout)
      rmSync(join(dir, 'dist', 'help', 'help.json'))
      // The index every command runs by is gone: a broken install, said as such (not an oclif fallback).
      const missing = await run(bin, ['shift', 'actor', '--help'], { OCLIF_COLUMNS: '63' })
      expect(missing.stderr).toMatch(/^lattice is not built: \S+help\.json is missing\.\n {2}Run `npm run build` in /)
      expect(missing.code).toBe(1)
    })

    it('a build from another version, or a command file missing, is "not built", not a bug', async () => {
      const dir = copy()
      const bin = join(dir, 'bin', 'run.js')
      const index = join(dir, 'dist', 'help', 'help.json')
      const built = readFileSync(index, 'utf8')
      writeFileSync(index, JSON.stringify({ ...JSON.parse(built), format: 0 }))
      const other = await run(bin, ['env', 'subjects'], {})
      expect(other.stderr).toMatch(
        /^lattice is not built: \S+help\.json was written by another version of lattice\.\n {2}Run `npm run build` in /,
      )
      expect(other.code).toBe(1)
      writeFileSync(index, built)
      const file = (JSON.parse(built) as { direct: Record<string, string> }).direct['env:subjects']
      rmSync(join(dir, 'dist', 'direct', file))
      const gone = await run(bin, ['env', 'subjects'], {})
      expect(gone.stderr).toMatch(/^lattice is not built: \S+ is missing\.\n {2}Run `npm run build` in /)
      expect(gone.code).toBe(1)
    })

    it('leaves a help.json from another build to oclif: the help shows the manifest oclif reads', async () => {
      const dir = copy()
      const path = join(dir, 'oclif.manifest.json')
      const changed = JSON.parse(readFileSync(path, 'utf8')) as {
        commands: Record<string, { summary?: string; description?: string }>
      }
      changed.commands['shift:actor'].summary = 'A summary only the new manifest has.'
      writeFileSync(path, JSON.stringify(changed, null, 2))
      const r = await run(join(dir, 'bin', 'run.js'), ['shift', 'actor', '--help'], { NODE_DEBUG: 'esm' })
      expect(r.code).toBe(0)
      expect(loadsOclif(r.stderr)).toBe(true)
      expect(r.stdout).toContain('A summary only the new manifest has.')
    })
  })
})
