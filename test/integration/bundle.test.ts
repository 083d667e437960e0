/** The CLI runs from bundled files (scripts/bundle.js): an entry, and one file per command. */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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
    return [relative(join(ROOT, 'commands'), path).replace(/(\/index)?\.ts$/, '').split(sep).join(':')]
  })
}

describe('the bundled CLI', () => {
  it('bundles every file under commands/ as a command of its own, and the manifest lists the same ones', async () => {
    const files = commandIds(join(ROOT, 'commands')).sort()
    expect(files).toContain('shift:actor')
    expect(files).toContain('rollout')
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { relativePath: string[] }> }
    expect(Object.keys(manifest.commands).sort()).toEqual(files)
    for (const id of files) {
      const { default: command } = (await import(join(ROOT, ...manifest.commands[id].relativePath))) as { default: { run?: unknown } }
      expect(typeof command.run, id).toBe('function')
    }
    const entry = (await import(join(ROOT, 'dist', 'lattice.js'))) as Record<string, unknown>
    expect(typeof entry.execute).toBe('function')
    expect(typeof entry.HELP).toBe('function')
  })

  it('loads the packages oclif seldom uses from their own files, and they work when called', async () => {
    const lazy = join(ROOT, 'dist', 'cli', 'lazy')
    const load = (name: string) => createRequire(import.meta.url)(join(lazy, `${name}.cjs`)) as Record<string, (...a: unknown[]) => unknown>
    expect(load('semver').satisfies('20.1.0', '>=20')).toBe(true)
    expect(load('minimatch').minimatch('@oclif/plugin-x', '@oclif/plugin-*')).toBe(true)
    expect(load('ejs').render('<%= a %>!', { a: 'lattice' })).toBe('lattice!')
    expect(typeof load('tinyglobby').glob).toBe('function')
    expect(typeof load('lilconfig').lilconfig).toBe('function')
    // The chunk holding oclif does not hold them (they are what start-up no longer compiles).
    const chunks = readdirSync(join(ROOT, 'dist', 'cli', 'chunks')).filter((f) => f.endsWith('.js'))
    const oclif = chunks.map((f) => readFileSync(join(ROOT, 'dist', 'cli', 'chunks', f), 'utf8')).find((s) => s.includes('node_modules/@oclif/core/lib/config/config.js'))
    expect(oclif).toBeDefined()
    expect(oclif).not.toContain('node_modules/semver/')
    expect(oclif).not.toContain('node_modules/minimatch/')
  })

  it('a command that needs none of them loads none of them (oclif matches its plugin list without minimatch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-lazy-'))
    const hook = join(dir, 'record.cjs')
    writeFileSync(hook, `const Module = require('node:module'); const load = Module._load
Module._load = function (request, ...rest) { if (String(request).includes('/lazy/')) process.stderr.write('LOADED ' + request + '\\n'); return load.call(this, request, ...rest) }\n`)
    const loaded = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<string[]>((resolve) =>
        execFile(process.execPath, ['-r', hook, BIN, ...args], { env: { ...process.env, DEBUG: '', NODE_ENV: 'production', ...env } }, (_err, _out, stderr) => resolve([...stderr.matchAll(/^LOADED (.*)$/gm)].map((m) => m[1]))),
      )
    expect(await loaded(['env', 'subjects', 'blue', '-f', join(ROOT, 'bench', 'fixtures', 'lattice.yaml')])).toEqual([])
    // The same through oclif (a command runs without oclif's runtime unless told).
    expect(await loaded(['env', 'subjects', 'blue', '-f', join(ROOT, 'bench', 'fixtures', 'lattice.yaml')], { LATTICE_OCLIF_RUN: '1' })).toEqual([])
    // oclif's help (the fast help, src/cli/fast-help.ts, loads no oclif at all): the examples hold
    // <%= config.bin %>, which ejs renders.
    expect(await loaded(['shift', 'actor', '--help'], { LATTICE_OCLIF_HELP: '1' })).toEqual(['../lazy/ejs.cjs'])
    expect(await loaded(['shift', 'actor', '--help'])).toEqual([])
  })

  it('prints oclif\'s debug lines with DEBUG set (debug is loaded only then), and the help renders its templates', async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ stdout: string; stderr: string }>((resolve) => execFile(process.execPath, [BIN, '--help'], { env: { ...process.env, ...env } }, (_err, stdout, stderr) => resolve({ stdout, stderr })))
    const debug = await run({ DEBUG: 'oclif:*' })
    expect(debug.stderr).toMatch(/oclif:config/)
    const quiet = await run({ DEBUG: '', NODE_ENV: 'production' })
    expect(quiet.stderr).toBe('')
    // <%= config.bin %> in the root help's examples, rendered by ejs.
    expect(quiet.stdout).toContain('$ lattice shift actor --help')
    expect(quiet.stdout).not.toContain('<%')
  })

  it('runs its bundle without a word about TypeScript sources when NODE_ENV is development or test', async () => {
    for (const NODE_ENV of ['development', 'test']) {
      const r = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [BIN, 'shift', 'actor', '--help'], { env: { ...process.env, NODE_ENV, LATTICE_OCLIF_HELP: '1' } }, (_err, stdout, stderr) => resolve({ stdout, stderr })),
      )
      expect(r.stderr, NODE_ENV).toBe('')
      expect(r.stdout).toContain('USAGE')
    }
  })

  it('says how to build when the bundle is missing', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'lattice-unbuilt-'))
    mkdirSync(join(copy, 'bin'))
    copyFileSync(BIN, join(copy, 'bin', 'run.js'))
    copyFileSync(join(ROOT, 'bin', 'package.json'), join(copy, 'bin', 'package.json'))
    copyFileSync(join(ROOT, 'package.json'), join(copy, 'package.json'))
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(copy, 'bin', 'run.js'), 'status'], (err, _out, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr })),
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/lattice is not built: .*dist\/lattice\.js is missing\.\n {2}Run `npm run build` in /)
  })
})
