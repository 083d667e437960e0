/**
 * The npm package as a user gets it: `npm pack` of the built tree (small: no source maps, no V8
 * code caches, no tsc copy of commands/), installed into a project of its own from the tarball,
 * then its `lattice` run (help, version, a shift against a real server) and host-core imported
 * from it. The install fetches the dependencies from the npm registry the first time (npm's cache
 * after that).
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { versionedSubject } from '../../src/subjects/index.js'
import { type CliResult, cleanEnv, json } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NAME = 'lattice-shift'
/** The bound (#30). Most of the package is dist/direct/, one file per command, each with its own copy of lattice's code. */
const MAX_PACKED = 3_000_000

interface Packed {
  name: string
  filename: string
  size: number
  unpackedSize: number
  files: { path: string }[]
}

const t = useTestLattice({ jetstream: true })
let dir: string
let packed: Packed
let project: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lattice-package-'))
  t.track('run', async () => rmSync(dir, { recursive: true, force: true }))
  // --ignore-scripts: prepack would build again; the suite runs on the tree `npm test` built.
  packed = (
    JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as Packed[]
  )[0]
  project = join(dir, 'project')
  execFileSync('mkdir', [project])
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-project', private: true, type: 'module' }))
  execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed.filename)],
    { cwd: project, encoding: 'utf8' },
  )
}, 180_000)

/** The installed `lattice` (node_modules/.bin, as npm links the package's bin). */
function installed(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) =>
    execFile(
      join(project, 'node_modules', '.bin', 'lattice'),
      args,
      { cwd: project, env: cleanEnv({ NO_COLOR: '1', ...env }), timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  )
}

describe(`the npm package ${NAME}`, () => {
  it(`is named ${NAME}, packs to at most 3 MB, and holds what each way of running lattice loads, without source maps or caches`, () => {
    expect(packed.name).toBe(NAME)
    expect(packed.size).toBeLessThanOrEqual(MAX_PACKED)
    const paths = packed.files.map((f) => f.path)
    expect(paths.filter((p) => p.endsWith('.map') || p.endsWith('.v8cache'))).toEqual([])
    // bin/run.js's paths (the fast help, every command, oclif for the rest), the manifest and the
    // command files it names, the dashboard's page, and the exports (with their types).
    for (const p of [
      'bin/run.js',
      'dist/fast-help.js',
      'dist/direct/run.cjs',
      'dist/direct/shift.actor.cjs',
      'dist/direct/vendor.oclif.cjs',
      'dist/src/cli/main.js',
      'dist/commands/shift/actor.js',
      'oclif.manifest.json',
      'dist/dashboard-page/app.js',
      'dist/src/index.js',
      'dist/src/host-core/index.js',
      'dist/src/host-core/index.d.ts',
    ]) {
      expect(paths, p).toContain(p)
    }
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', NAME, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
    }
    expect(Object.keys(pkg.bin)).toEqual(['lattice'])
  })

  it('runs `lattice --help` and `--version` from the installed copy', async () => {
    const help = await installed(['--help'])
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toContain('$ lattice shift actor --help')
    // Through oclif too (the help the fast path falls back to).
    const oclif = await installed(['shift', 'actor', '--help'], { LATTICE_OCLIF_HELP: '1' })
    expect(oclif.code, oclif.stderr).toBe(0)
    expect(oclif.stdout).toMatch(/USAGE\n {2}\$ lattice shift actor ID/)
    const version = await installed(['--version'])
    expect(version.stdout).toMatch(new RegExp(`^${NAME}/\\d+\\.\\d+\\.\\d+ `))
  })

  it('imports host-core and the library from the installed copy', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const h = await import('${NAME}/host-core'); const l = await import('${NAME}'); console.log(typeof h.Host, h.versionToken('v2'), typeof l.shift)`,
      ],
      { cwd: project, encoding: 'utf8' },
    )
    expect(out.trim()).toBe('function djI function')
  })

  describe('against a real server', () => {
    const actor = newActorId()
    beforeAll(async () => {
      const app = await t.connect()
      for (const v of ['v1', 'v2'])
        app.subscribe(versionedSubject('default', { kind: 'actor', id: actor }, v), { queue: 'q' })
      await app.flush()
    })

    it('shifts with the installed lattice (the same way with LATTICE_OCLIF_RUN and DEBUG set)', async () => {
      const shift = await installed(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
      expect(shift.code, shift.stderr).toBe(0)
      const again = await installed(
        ['shift', 'actor', actor, '--to', 'v2', '--weight', '40'],
        t.env({ LATTICE_OCLIF_RUN: '1', DEBUG: '*' }),
      )
      expect(again.code, again.stderr).toBe(0)
      const routes = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
        await installed(['status', '--json'], t.env()),
      ).routes
      expect(routes.find((r) => r.id === actor)?.weights).toEqual({ v1: 60, v2: 40 })
    })
  })
})
