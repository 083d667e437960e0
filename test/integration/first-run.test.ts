/**
 * What a new operator meets first: the `lattice` command itself (README, Quick start), typos,
 * usage errors, the help, and a quiet build. Runs the real binary; no NATS involved.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const { topics } = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { oclif: { topics: Record<string, unknown> } }
).oclif

function sh(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('/bin/sh', ['-c', script], { env, cwd, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  )
}

/** A PATH with node on it and no `lattice` (the machine's own, if any, must not answer). */
function pathWithoutLattice(): string {
  const nodeOnly = mkdtempSync(join(tmpdir(), 'lattice-node-only-'))
  symlinkSync(process.execPath, join(nodeOnly, 'node'))
  return `${nodeOnly}:/usr/bin:/bin`
}

describe('the lattice command after the quick start', () => {
  it('the README recipe (export PATH in the clone) gives a shell a working `lattice`, from any directory', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    )
    const recipe = quickStart.match(/^export PATH=.*$/m)?.[0]
    expect(recipe, 'the Quick start names the PATH line').toBe('export PATH="$PWD/bin:$PATH"')
    const env = { PATH: pathWithoutLattice(), HOME: mkdtempSync(join(tmpdir(), 'lattice-home-')), NO_COLOR: '1' }
    const before = await sh('lattice --version', env, tmpdir())
    expect(before.code).not.toBe(0) // no lattice on that PATH before the recipe
    const r = await sh(`${recipe} && cd / && lattice --version && lattice shfit`, env, ROOT)
    expect(r.stdout).toMatch(/^lattice-shift\/\d+\.\d+\.\d+ /)
    // Past the --version shortcut too: the whole CLI loads.
    expect(r.stderr).toMatch(/Error \[USAGE\]: Unknown command "shfit"\. Did you mean "shift"\?/)
    expect(r.code).toBe(ExitCode.USAGE)
  })

  it('bin/lattice works through a symlink (a ~/bin link to it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-link-'))
    symlinkSync(join(ROOT, 'bin', 'lattice'), join(dir, 'lattice'))
    const r = await sh('lattice --help', { PATH: `${dir}:${pathWithoutLattice()}`, NO_COLOR: '1' }, tmpdir())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\$ lattice \[COMMAND\]/)
  })
})

describe('typos: the nearest commands are suggested', () => {
  it.each([
    [['shfit', 'actor', 'MADQ'], 'shfit actor', '"shift actor"'],
    [['stauts'], 'stauts', '"status"'],
    [['rolout', 'status', 'MBX', '--json'], 'rolout status', '"rollout status"'],
    [['dev', 'upp'], 'dev upp', '"dev up"'],
  ])('%j', async (args, typed, suggestion) => {
    const r = await lattice(args.filter((a) => a !== '--json'))
    expect(r.code).toBe(ExitCode.USAGE)
    expect(r.stderr).toBe(
      `Error [USAGE]: Unknown command "${typed}". Did you mean ${suggestion}?\n  \`lattice --help\` lists every command.\n`,
    )
    const j = await lattice([...args.filter((a) => a !== '--json'), '--json'])
    expect(j.code).toBe(ExitCode.USAGE)
    expect(json(j)).toEqual({
      error: {
        code: 'USAGE',
        message: `Unknown command "${typed}". Did you mean ${suggestion}?`,
        hint: '`lattice --help` lists every command.',
        exitCode: ExitCode.USAGE,
      },
    })
  })
  it('nothing close: no guess; a right topic with a wrong command lists the topic', async () => {
    const r = await lattice(['xyzzy'])
    expect(r.code).toBe(ExitCode.USAGE)
    expect(r.stderr).toBe('Error [USAGE]: Unknown command "xyzzy".\n  `lattice --help` lists every command.\n')
    const t = await lattice(['fault', 'nope', 'MBX'])
    expect(t.code).toBe(ExitCode.USAGE)
    expect(t.stderr).toMatch(
      /^Error \[USAGE\]: Unknown command "fault nope"\. "fault" has: fault actor, fault clear, fault component, fault provider, fault service\.\n/,
    )
    // A command that takes no argument, given one.
    const s = await lattice(['status', 'extra'])
    expect(s.code).toBe(ExitCode.USAGE)
    expect(s.stderr).toBe(
      'Error [USAGE]: "status" takes no argument "extra".\n  `lattice status --help` shows what it takes.\n',
    )
  })
})

describe('the first word', () => {
  it('a flag before the command: the command comes first', async () => {
    const r = await lattice(['--json', 'status'])
    expect(r.code).toBe(ExitCode.USAGE)
    expect(json<{ error: { message: string } }>(r).error.message).toBe(
      '"--json" is not a command: the command comes first, then its flags (lattice COMMAND --json ...).',
    )
    const t = await lattice(['--server', 'nats://x', 'status'])
    expect(t.stderr).toMatch(/^Error \[USAGE\]: "--server" is not a command: the command comes first/)
  })
  it('lattice help TOPIC is lattice TOPIC --help', async () => {
    const r = await lattice(['help', 'shift'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe((await lattice(['shift', '--help'])).stdout)
    expect(r.stdout).toMatch(/\nEXAMPLES\n/)
  })
})

describe('usage errors in lattice style', () => {
  it.each([
    [['status', '--bogus'], 'Nonexistent flag: --bogus', 'status'],
    [['shift', 'actor'], 'Missing 1 required arg:\n  id  Actor ID: its module public key (M...).', 'shift actor'],
    [['shift', 'actor', 'MBX', '--to', 'v2'], 'Missing required flag weight', 'shift actor'],
    [
      ['rollout', 'actor', 'MBX', '--to', 'v2', '--steps', '10', '--on-interrupt', 'later'],
      'Expected --on-interrupt=later to be one of: abort, hold',
      'rollout actor',
    ],
  ])('%j', async (args, message, command) => {
    // As for a user: vitest's NODE_ENV=test makes oclif warn that a command whose parse failed "did not parse".
    const env = { NODE_ENV: 'production' }
    const r = await lattice(args, env)
    expect(r.code).toBe(ExitCode.USAGE)
    expect(r.stderr).toBe(
      `Error [USAGE]: ${message}\n  \`lattice ${command} --help\` lists its arguments and flags, with examples.\n`,
    )
    expect(r.stdout).toBe('')
    const j = await lattice([...args, '--json'], env)
    expect(j.code).toBe(ExitCode.USAGE)
    expect(json<{ error: unknown }>(j).error).toEqual({
      code: 'USAGE',
      message: message.replace(/\n {2}/g, '\n'),
      hint: `\`lattice ${command} --help\` lists its arguments and flags, with examples.`,
      exitCode: ExitCode.USAGE,
    })
  })
  it("the autocomplete plugin's command too (oclif printed its errors in its own style); it has no --json, and says so as JSON", async () => {
    const env = { NODE_ENV: 'production' }
    const hint = '`lattice autocomplete --help` lists its arguments and flags, with examples.'
    for (const [args, message] of [
      [['autocomplete', '--bogus'], 'Nonexistent flag: --bogus'],
      [['autocomplete', 'fish'], 'Expected fish to be one of: zsh, bash, powershell'],
    ] as const) {
      const r = await lattice([...args], env)
      expect(r.code).toBe(ExitCode.USAGE)
      expect(r.stderr).toBe(`Error [USAGE]: ${message}\n  ${hint}\n`)
    }
    const j = await lattice(['autocomplete', '--json'], env)
    expect(j.code).toBe(ExitCode.USAGE)
    expect(json<{ error: unknown }>(j).error).toEqual({
      code: 'USAGE',
      message: 'Nonexistent flag: --json',
      hint,
      exitCode: ExitCode.USAGE,
    })
  })
})

describe('help has examples', () => {
  it('the root help', async () => {
    const r = await lattice(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/EXAMPLES\n {2}See it work.*\n\n {4}\$ lattice demo\n/)
  })
  // Every topic package.json declares, so a new topic cannot come without examples.
  it.each(Object.keys(topics))('lattice %s --help', async (topic) => {
    const r = await lattice([topic, '--help'])
    expect(r.code).toBe(0)
    const examples = r.stdout.slice(r.stdout.indexOf('\nEXAMPLES\n'))
    expect(r.stdout).toContain('\nEXAMPLES\n')
    expect(examples).toMatch(new RegExp(`\\n {4}\\$ lattice ${topic} \\S`))
    expect(r.stdout).toMatch(new RegExp(`\\nCOMMANDS\\n {2}${topic} \\S`))
  })
  it('rollout: the CI example is the NDJSON one, and --on-interrupt hold has its own', async () => {
    const r = await lattice(['rollout', '--help'])
    expect(r.stdout.slice(r.stdout.indexOf('\nEXAMPLES\n'))).not.toMatch(/--on-interrupt abort/)
    expect(r.stdout).toMatch(
      /In CI: one JSON object per line.*\n\n {4}\$ lattice rollout -f deploy\/lattice\.yaml --json\n/,
    )
    expect(r.stdout).toMatch(/\$ lattice rollout -f lattice\.yaml --on-interrupt hold/)
  })
  it('dev env: its example has its prompt', async () => {
    const r = await lattice(['dev', 'env', '--help'])
    expect(r.stdout).toMatch(/\n {4}\$ eval "\$\(lattice dev env\)"\n/)
  })
})

describe('a quiet build', () => {
  it('every npm script that runs oclif skips its update check, which would otherwise warn', async () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts
    const runs = Object.values(scripts).flatMap((s) =>
      s
        .split(/&&|;/)
        .map((part) => part.trim())
        .filter((part) => /(^|\s)oclif\s/.test(part)),
    )
    expect(runs.length).toBeGreaterThanOrEqual(2) // build (manifest) and docs:commands
    // An update "available" in oclif's cache, as the npm registry would report one.
    const cache = mkdtempSync(join(tmpdir(), 'lattice-oclif-cache-'))
    mkdirSync(join(cache, 'oclif'))
    writeFileSync(join(cache, 'oclif', 'version'), JSON.stringify({ latest: '99.0.0' }))
    const env = {
      ...process.env,
      XDG_CACHE_HOME: cache,
      PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
      OCLIF_SKIP_NEW_VERSION_CHECK: undefined,
    }
    const bare = await sh('oclif --version', env, ROOT)
    // CI=true turns oclif's colours on: compare the text without them.
    expect(bare.stderr.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/oclif update available from .* to 99\.0\.0/) // the warning this guards against
    for (const run of runs) {
      const prefix = run.slice(0, run.search(/(^|\s)oclif\s/))
      const r = await sh(`${prefix} oclif --version`, env, ROOT)
      expect(r.code, `${run}: ${r.stderr}`).toBe(0)
      expect(r.stderr, run).not.toMatch(/update available/)
    }
  }, 60_000)
})
