/** The CLI runs from built files: one bundled file per command (dist/direct/), oclif's manifest listing the same. */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function commandIds(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return commandIds(path)
    return [
      relative(join(ROOT, 'commands'), path)
        .replace(/(\/index)?\.ts$/, '')
        .split(sep)
        .join(':'),
    ]
  })
}

describe('the built CLI', () => {
  it('bundles every file under commands/ as a command of its own, and the manifest and the help index list the same ones', async () => {
    const files = commandIds(join(ROOT, 'commands')).sort()
    expect(files).toContain('shift:actor')
    expect(files).toContain('rollout')
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { relativePath: string[] }>
    }
    expect(Object.keys(manifest.commands).sort()).toEqual(files)
    const index = JSON.parse(readFileSync(join(ROOT, 'dist', 'help', 'help.json'), 'utf8')) as {
      direct: Record<string, string>
    }
    expect(Object.keys(index.direct).sort()).toEqual(files)
    for (const id of files) {
      // What oclif would load (tsc's build) and what bin/run.js runs: both oclif commands, over lattice's Command.
      const { default: command } = (await import(join(ROOT, ...manifest.commands[id].relativePath))) as {
        default: { run?: unknown }
      }
      expect(typeof command.run, id).toBe('function')
      expect(statSync(join(ROOT, 'dist', 'direct', index.direct[id])).isFile(), id).toBe(true)
    }
  })

  it("prints oclif's debug lines with DEBUG set where oclif answers (its help), and renders the help's templates", async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [BIN, '--help'],
          { env: { ...process.env, LATTICE_OCLIF_HELP: '1', ...env } },
          (_err, stdout, stderr) => resolve({ stdout, stderr }),
        ),
      )
    const debug = await run({ DEBUG: 'oclif:*' })
    expect(debug.stderr).toMatch(/oclif:config/)
    const quiet = await run({ DEBUG: '', NODE_ENV: 'production' })
    expect(quiet.stderr).toBe('')
    // <%= config.bin %> in the root help's examples, rendered by ejs.
    expect(quiet.stdout).toContain('$ lattice shift actor --help')
    expect(quiet.stdout).not.toContain('<%')
  })

  it('runs oclif without a word about TypeScript sources when NODE_ENV is development or test', async () => {
    for (const NODE_ENV of ['development', 'test']) {
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [BIN, 'shift', 'actor', '--help'],
          { env: { ...process.env, NODE_ENV, LATTICE_OCLIF_HELP: '1' } },
          (_err, stdout, stderr) => resolve({ stdout, stderr }),
        ),
      )
      expect(r.stderr, NODE_ENV).toBe('')
      expect(r.stdout).toContain('USAGE')
    }
  })

  it('says how to build when the build is missing', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'lattice-unbuilt-'))
    mkdirSync(join(copy, 'bin'))
    copyFileSync(BIN, join(copy, 'bin', 'run.js'))
    copyFileSync(join(ROOT, 'bin', 'package.json'), join(copy, 'bin', 'package.json'))
    copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'))
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(copy, 'bin', 'run.js'), 'status'], (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stderr }),
      ),
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/lattice is not built: .*dist\/direct\/run\.cjs is missing\.\n {2}Run `npm run build` in /)
  })
})
