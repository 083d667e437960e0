/** host-core depends on nothing of the CLI: only `nats`, Node built-ins and the subject module. */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1])
}

/** Every file reachable from `entry` by relative imports, and every package it names. */
function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  visit(entry)
  return { files, packages }
}

describe('module boundaries', () => {
  it('host-core reaches only host-core and subjects, and only nats and node built-ins', () => {
    const { files, packages } = closure(join(root, 'src/host-core/index.ts'))
    for (const f of files) expect(relative(root, f)).toMatch(/^src\/(host-core|subjects)\//)
    for (const p of packages) expect(p).toMatch(/^(nats|node:.+)$/)
  })
  it('the subject module depends on nothing', () => {
    const { packages } = closure(join(root, 'src/subjects/index.ts'))
    for (const p of packages) expect(p).toMatch(/^node:/)
  })
  it('only src/resolver, src/state/store.ts and host-core import the NATS client', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else if (
          p.endsWith('.ts') &&
          importsOf(p).includes('nats') &&
          !/src\/(resolver\/|host-core\/|state\/store\.ts)/.test(p)
        )
          offenders.push(relative(root, p))
      }
    }
    walk(join(root, 'src'))
    walk(join(root, 'commands'))
    expect(offenders).toEqual([])
  })
  it('is importable as the ./host-core subpath of the package', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('lattice-shift/host-core'); console.log(typeof m.Host, m.versionToken('v2'))",
      ],
      { cwd: root },
    ).toString()
    expect(out.trim()).toBe('function djI')
  })
  it('is importable as a library from the package root', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('lattice-shift'); console.log(typeof m.shift, typeof m.status, m.ExitCode.REJECTED)",
      ],
      { cwd: root },
    ).toString()
    expect(out.trim()).toBe('function function 6')
  })
})

describe('docs/exit-codes.md', () => {
  it('explains every error code and every exit code', async () => {
    const { readFileSync } = await import('node:fs')
    const { ErrorCodes, ExitCode } = await import('../../src/errors.js')
    const doc = readFileSync(new URL('../../docs/exit-codes.md', import.meta.url), 'utf8')
    const missing = Object.keys(ErrorCodes).filter((code) => !doc.includes(`| \`${code}\` |`))
    expect(missing).toEqual([])
    for (const n of Object.values(ExitCode)) expect(doc).toMatch(new RegExp(`^\\| ${n} \\|`, 'm'))
  })
})
