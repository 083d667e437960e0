/**
 * One runtime for every lattice command (issue #31): every command runs from dist/direct/ over
 * lattice's Command (src/cli/direct/), whatever the environment (DEBUG, LATTICE_OCLIF_RUN, an
 * oclif theme) and however it is entered (bin/run.js, or oclif's own run()); a networked command
 * as an offline one. The words of oclif's parser errors are oclif's; no oclif runtime is loaded;
 * the build's code cache is taken by V8, and a stale one rejected without harm.
 */
import { execFile } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, cleanEnv, lattice as latticeCli } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { type TestLattice, startLattice } from '../helpers/nats-server.js'
import { packageCopies } from '../helpers/package-copy.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SPEC = join(ROOT, 'bench', 'fixtures', 'lattice.yaml')
/** Not vitest's NODE_ENV=test (oclif's parser warns with process ids), nor the caller's DEBUG. */
const lattice = (args: string[], env: Record<string, string | undefined> = {}) =>
  latticeCli(args, { DEBUG: '', NODE_ENV: '', ...env })

function node(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, env: cleanEnv({ DEBUG: '', NODE_ENV: '', NO_COLOR: '1', ...env }), timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
      },
    )
  })
}

// Each file require() loads (NODE_DEBUG=module) and each ES module Node translates (=esm).
const loads = (r: CliResult) =>
  [...r.stderr.matchAll(/(?:Translating StandardModule|load) "?(\S+?)"?(?: for module|\s|$)/g)].map((m) => m[1])
const oclifRuntime = (m: string) => /@oclif\/core\/lib\/(config|help|main)|\/dist\/src\/cli\/main\.js/.test(m)

describe('one runtime for every command', () => {
  // What used to send a command to oclif's runtime instead: now each changes nothing.
  const themeHome = mkdtempSync(join(tmpdir(), 'lattice-theme-'))
  mkdirSync(join(themeHome, 'lattice'))
  writeFileSync(join(themeHome, 'lattice', 'theme.json'), JSON.stringify({ json: { key: 'red' } }))
  afterAll(() => rmSync(themeHome, { recursive: true, force: true }))
  const environments: Record<string, string>[] = [
    {},
    { DEBUG: '*' },
    { LATTICE_OCLIF_RUN: '1' },
    { XDG_CONFIG_HOME: themeHome },
  ]

  async function sameEverywhere(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const [first, ...others] = await Promise.all(
      environments.map((e) => lattice(argv, { NODE_DEBUG: 'module,esm', ...env, ...e })),
    )
    const output = (r: CliResult) => ({
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr
        .split('\n')
        .filter((l) => !/^(MODULE|ESM) \d+:/.test(l))
        .join('\n'),
    })
    for (const [i, r] of others.entries())
      expect({ argv, env: environments[i + 1], ...output(r) }).toEqual({
        argv,
        env: environments[i + 1],
        ...output(first),
      })
    for (const r of [first, ...others]) {
      expect(
        loads(r).some((m) => m.endsWith('dist/direct/run.cjs')),
        argv.join(' '),
      ).toBe(true)
      expect(loads(r).filter(oclifRuntime), argv.join(' ')).toEqual([])
    }
    return { ...first, ...output(first) }
  }

  it(
    'runs an offline command the same way in every environment, its parse errors worded as oclif words them',
    { timeout: 120_000 },
    async () => {
      expect((await sameEverywhere(['env', 'subjects', 'blue', '-f', SPEC, '--json'])).code).toBe(0)
      expect((await sameEverywhere(['env:subjects', 'blue', '-f', SPEC])).code).toBe(0)
      const missing = await sameEverywhere(['swap'])
      expect(missing).toMatchObject({ code: 2, stdout: '' })
      expect(missing.stderr).toBe(
        'Error [USAGE]: Missing 2 required args:\n  from  The environment that is live now.\n  to    The environment to make live.\n  `lattice swap --help` lists its arguments and flags, with examples.\n',
      )
      const flags = await sameEverywhere(['rollout', 'actor', 'MABC', '--steps', 'x'])
      expect(flags.stderr).toBe(
        'Error [USAGE]: Missing required flag from\n  Missing required flag to\n  `lattice rollout actor --help` lists its arguments and flags, with examples.\n',
      )
      expect(await sameEverywhere(['watch', '--observe', 'bogus', '--json'])).toMatchObject({ code: 2, stderr: '' })
    },
  )

  describe('against a real server', () => {
    let l: TestLattice
    beforeAll(async () => {
      l = await startLattice({ jetstream: true })
    })
    afterAll(async () => {
      await l?.stop()
    })

    it('runs a networked command the same way in every environment', { timeout: 120_000 }, async () => {
      const status = await sameEverywhere(['status', '--json'], l.env())
      expect(status.code, status.stderr).toBe(0)
      expect(JSON.parse(status.stdout)).toHaveProperty('routes')
      const dryRun = await sameEverywhere(
        [
          'shift',
          'actor',
          newActorId(),
          '--from',
          'v1',
          '--to',
          'v2',
          '--weight',
          '30',
          '--force',
          '--dry-run',
          '--json',
        ],
        l.env(),
      )
      expect(dryRun.code, dryRun.stderr).toBe(0)
    })
  })

  it("runs the same Command when oclif's own run() is the way in", async () => {
    const argv = ['env', 'subjects', 'nope', '-f', SPEC]
    const script = `const { execute } = await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'cli', 'main.js'))}); await execute({ dir: ${JSON.stringify(ROOT)}, args: ${JSON.stringify(argv)} })`
    const [throughOclif, direct] = await Promise.all([
      node(['--input-type=module', '-e', script]),
      lattice(argv, { NO_COLOR: '1' }),
    ])
    expect(throughOclif).toEqual(direct)
    expect(direct.code).toBe(3)
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
      const use = await node([
        '-e',
        `const r = require(${JSON.stringify(join(dir, 'dist', 'direct', 'run.cjs'))}); r.loadDirect(${JSON.stringify(join(dir, 'dist', 'direct', 'env.subjects.cjs'))}); console.log(JSON.stringify(r.cacheUse))`,
      ])
      expect(JSON.parse(use.stdout)[0]).toEqual([join(dir, 'dist', 'direct', 'env.subjects.cjs'), 'rejected'])
    })

    it('a fault of the entry itself is an internal error, with its stack only under LATTICE_DEBUG', async () => {
      const dir = copy()
      writeFileSync(
        join(dir, 'dist', 'direct', 'run.cjs'),
        "exports.directRun = async () => { throw new Error('boom') }\n",
      )
      const r = await node([join(dir, 'bin', 'run.js'), 'status'])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(
        'Internal error: boom\n  This is a bug in lattice; run with LATTICE_DEBUG=1 for details and report it.\n',
      )
      const debug = await node([join(dir, 'bin', 'run.js'), 'status'], { LATTICE_DEBUG: '1' })
      expect(debug.stderr).toMatch(/^Internal error: boom\nError: boom\n {4}at /)
    })

    it("a stale help index (another build's stamps) still runs the command: its id and file are the build's", async () => {
      const dir = copy()
      appendFileSync(join(dir, 'package.json'), '\n')
      const argv = ['env', 'subjects', 'nope', '-f', SPEC]
      const [stale, original] = await Promise.all([
        node([join(dir, 'bin', 'run.js'), ...argv], { NODE_DEBUG: 'module' }),
        lattice(argv, { NO_COLOR: '1' }),
      ])
      expect({ code: stale.code, stdout: stale.stdout }).toEqual({ code: 3, stdout: original.stdout })
      expect(loads(stale).filter(oclifRuntime)).toEqual([])
    })
  })
})
