/**
 * Commands run without oclif's runtime (src/cli/direct/, dist/direct/): the same output, errors
 * and exit code as through oclif (LATTICE_OCLIF_RUN=1) for command lines that parse and for those
 * oclif's parser refuses (run again through oclif); no oclif code loaded; the build's code cache
 * taken by V8, and a stale one rejected without harm. Every other test that runs the CLI runs
 * through this path too.
 */
import { execFile } from 'node:child_process'
import { appendFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type CliResult, cleanEnv, lattice as latticeCli } from '../helpers/cli.js'
import { packageCopies } from '../helpers/package-copy.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SPEC = join(ROOT, 'bench', 'fixtures', 'lattice.yaml')
/**
 * DEBUG (oclif's debug lines) leaves a command to oclif: not from the caller's shell here. Nor
 * vitest's NODE_ENV=test (warnings with process ids); one case sets it.
 */
const lattice = (args: string[], env: Record<string, string | undefined> = {}) => latticeCli(args, { DEBUG: '', NODE_ENV: '', ...env })
const SEED = 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4'

function node(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: cleanEnv({ DEBUG: '', NODE_ENV: '', NO_COLOR: '1', ...env }), timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

describe('a command run without oclif', () => {
  // [argv, env]: parsed and run; refused by oclif's parser (run again through oclif); resolved
  // by oclif to something else (an unknown command); failing in lattice before and after
  // connecting; flags from env vars; --json and LATTICE_CONTENT_TYPE; a secret in a flag.
  const cases: Array<[string[], Record<string, string>?]> = [
    [['env', 'subjects', 'blue', '-f', SPEC]],
    [['env', 'subjects', 'blue', '-f', SPEC, '--json']],
    [['env', 'subjects', 'blue', '-f', SPEC], { LATTICE_CONTENT_TYPE: 'json' }],
    [['env', 'subjects', 'nope', '-f', SPEC]],
    [['env', 'subjects', 'nope', '-f', SPEC, '--json']],
    [['env', 'subjects', 'blue', '-f', SPEC, '--lattice', 'a.b']],
    [['env', 'subjects', 'blue', '-f', SPEC], { LATTICE_ID: 'bad.name' }],
    [['env', 'subjects']],
    [['env', 'subjects', 'blue', '--bogus']],
    [['env', 'subjects', 'blue', '--bogus', '--json']],
    [['env', 'subjects', 'blue', '-f', SPEC, '--', '--json']],
    [['status', 'extra']],
    [['shift', 'actor']],
    [['shift', 'actor', 'MABC', '--to', 'v2', '--weight', 'abc']],
    [['shift', 'actor', 'MABC', '--to', 'v2', '--weight', '30', '--creds', SEED]],
    [['shift', 'actor', 'MABC', '--to', 'v2', '--weight', '30', '--creds', SEED], { NODE_ENV: 'development' }],
    [['watch', '--observe', 'bogus']],
    [['swap']],
    [['plan', '-f', '/nonexistent/lattice.yaml']],
    [['status', '--server', 'nats://127.0.0.1:1', '--timeout', '2s']],
    [['history', '--json', '--server', 'nats://127.0.0.1:1', '--timeout', '2s']],
  ]

  it('prints what oclif prints and exits as it does, for every command line', { timeout: 240_000 }, async () => {
    for (const [argv, env = {}] of cases) {
      const [direct, oclif] = await Promise.all([lattice(argv, env), lattice(argv, { ...env, LATTICE_OCLIF_RUN: '1' })])
      const samePid = (r: CliResult) => ({ ...r, stderr: r.stderr.replace(/^\(node:\d+\)/gm, '(node:PID)') })
      expect({ argv, env, ...samePid(direct) }).toEqual({ argv, env, ...samePid(oclif) })
    }
    // Not all the same answer: the comparison above saw successes and each kind of failure.
    const codes = new Set((await Promise.all(cases.map(([argv, env]) => lattice(argv, env)))).map((r) => r.code))
    expect([...codes].sort()).toEqual([0, 2, 3, 4])
  })

  it('loads no oclif code (LATTICE_OCLIF_RUN=1 does)', async () => {
    const argv = ['env', 'subjects', 'blue', '-f', SPEC]
    // NODE_DEBUG=esm names each ES module Node translates; =module each file require() loads.
    const loads = (r: CliResult) => [...r.stderr.matchAll(/(?:Translating StandardModule|load) "?(\S+?)"?(?: for module|\s|$)/g)].map((m) => m[1])
    const direct = await lattice(argv, { NODE_DEBUG: 'esm,module' })
    expect(direct.code).toBe(0)
    expect(loads(direct).some((m) => m.endsWith('dist/direct/run.cjs'))).toBe(true)
    expect(loads(direct).filter((m) => /@oclif|dist\/lattice\.js|dist\/cli\//.test(m))).toEqual([])
    const oclif = await lattice(argv, { NODE_DEBUG: 'esm,module', LATTICE_OCLIF_RUN: '1' })
    expect(loads(oclif).some((m) => m.endsWith('/dist/lattice.js'))).toBe(true)
  })

  it('starts each file from the code cache the build wrote', async () => {
    const script = `const r = require(${JSON.stringify(join(ROOT, 'dist', 'direct', 'run.cjs'))})
for (const f of ${JSON.stringify(readdirSync(join(ROOT, 'dist', 'direct')).filter((f) => f.endsWith('.cjs') && f !== 'run.cjs'))}) r.loadDirect(${JSON.stringify(join(ROOT, 'dist', 'direct'))} + '/' + f)
console.log(JSON.stringify(r.cacheUse))`
    const r = await node(['-e', script])
    const use = JSON.parse(r.stdout) as Array<[string, string]>
    expect(use.length).toBeGreaterThan(30)
    expect(use.filter(([, how]) => how !== 'accepted')).toEqual([])
  })

  describe('in a copy of the package', () => {
    const copies = packageCopies('lattice-direct-')
    afterAll(copies.removeAll)
    const copy = copies.copy

    it('a file changed since the build: its cache is rejected, and the command runs the same', async () => {
      const dir = copy()
      appendFileSync(join(dir, 'dist', 'direct', 'env.subjects.cjs'), '\n// changed\n')
      const argv = ['env', 'subjects', 'blue', '-f', SPEC, '--json']
      const [changed, original] = await Promise.all([node([join(dir, 'bin', 'run.js'), ...argv]), lattice(argv)])
      expect(changed).toEqual(original)
      expect(changed.code).toBe(0)
      const use = await node(['-e', `const r = require(${JSON.stringify(join(dir, 'dist', 'direct', 'run.cjs'))}); r.loadDirect(${JSON.stringify(join(dir, 'dist', 'direct', 'env.subjects.cjs'))}); console.log(JSON.stringify(r.cacheUse))`])
      expect(JSON.parse(use.stdout)[0]).toEqual([join(dir, 'dist', 'direct', 'env.subjects.cjs'), 'rejected'])
    })

    it('a fault of the entry itself is an internal error, with its stack only under LATTICE_DEBUG', async () => {
      const dir = copy()
      writeFileSync(join(dir, 'dist', 'direct', 'run.cjs'), "exports.directRun = async () => { throw new Error('boom') }\n")
      const r = await node([join(dir, 'bin', 'run.js'), 'status'])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe('Internal error: boom\n  This is a bug in lattice; run with LATTICE_DEBUG=1 for details and report it.\n')
      const debug = await node([join(dir, 'bin', 'run.js'), 'status'], { LATTICE_DEBUG: '1' })
      expect(debug.stderr).toMatch(/^Internal error: boom\nError: boom\n {4}at /)
    })

    it('without dist/direct/ (an older build), oclif runs the command', async () => {
      const dir = copy()
      rmSync(join(dir, 'dist', 'direct'), { recursive: true })
      const argv = ['env', 'subjects', 'nope', '-f', SPEC]
      const [older, original] = await Promise.all([node([join(dir, 'bin', 'run.js'), ...argv], { NODE_DEBUG: 'esm' }), lattice(argv)])
      expect(older.code).toBe(3)
      expect(older.stdout).toBe(original.stdout)
      expect(older.stderr).toContain(original.stderr)
      expect(older.stderr).toMatch(/dist\/lattice\.js/)
    })
  })
})
