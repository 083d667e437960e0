/**
 * A seed (operator, account, user) or a creds file's content pasted into any flag, argument,
 * flag env var, spec file or nats context of any command is refused (SEED_MISPLACED) before
 * anything uses it, and never appears in stdout, stderr, the history or a pushed JWT. Commands,
 * flags and arguments come from the oclif manifest, so a new flag is covered without editing
 * this file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { type CliResult, json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'

interface ManifestFlag {
  type: 'option' | 'boolean'
  env?: string
  required?: boolean
  char?: string
}
interface ManifestCommand {
  args: Record<string, { required?: boolean }>
  flags: Record<string, ManifestFlag>
}
const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: Record<string, ManifestCommand>
}
const commands = Object.entries(manifest.commands)

const t = useTestLattice({ state: true })
/** The secrets under test, by kind, and the strings none of the output may contain. */
let secrets: { kind: string; value: string; traces: string[] }[]
let jwtBefore: string
let historyBefore: string
const actor = newActorId()
const provider = newProviderId()

beforeAll(async () => {
  const seedOf = (kp: { getSeed(): Uint8Array }) => new TextDecoder().decode(kp.getSeed())
  const creds = readFileSync(t.l.sysCredsFile, 'utf8')
  const credsJwt = creds.match(/BEGIN NATS USER JWT-+\s*\n\s*(\S+)/)![1]
  const credsSeed = creds.match(/\bSU[A-Z2-7]{56}\b/)![0]
  secrets = [
    { kind: 'operator seed', value: seedOf(t.l.id.operator), traces: [] },
    { kind: 'account seed', value: seedOf(t.l.id.app), traces: [] },
    { kind: 'user seed', value: credsSeed, traces: [] },
    { kind: 'creds content', value: creds, traces: [credsJwt, credsSeed] },
  ]
  for (const s of secrets) if (s.kind !== 'creds content') s.traces = [s.value, s.value.slice(2, 30), s.value.slice(30)]
  // One real change, so the live JWT and the history hold something to compare against.
  const r = await lattice(['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
  expect(r.code, r.stderr).toBe(0)
  jwtBefore = await liveJwt(t.l)
  historyBefore = (await lattice(['history', '--json'], t.env())).stdout
  expect(
    json<{ revisions: unknown[] }>({ code: 0, stdout: historyBefore, stderr: '' }).revisions.length,
  ).toBeGreaterThan(0)
}, 60_000)

afterAll(async () => {
  // Nothing was pushed and nothing recorded by any refused command; no secret in either.
  if (jwtBefore) {
    const jwt = await liveJwt(t.l)
    const history = (await lattice(['history', '--json'], t.env())).stdout
    expect(jwt).toBe(jwtBefore)
    expect(history).toBe(historyBefore)
    for (const s of secrets) for (const trace of s.traces) expect(jwt + history).not.toContain(trace)
  }
}, 60_000)

/** A value that would be accepted in this position (so only the secret is wrong). */
function validValue(id: string, name: string): string {
  if (name === 'id' || name === 'ids') return id.includes('provider') ? provider : actor
  const known: Record<string, string> = { to: 'v2', from: 'v1', weight: '40', drop: '10', env: 'blue' }
  return known[name] ?? 'x'
}

interface Case {
  label: string
  argv: string[]
  env?: Record<string, string>
  /** What the error must name. */
  where: RegExp
  secret: (typeof secrets)[number]
  json: boolean
}

/** The command line of `id` with every required arg and flag filled, `secret` at `position`. */
function argvFor(id: string, c: ManifestCommand, position: { arg?: string; flag?: string }, value: string): string[] {
  const args = Object.keys(c.args)
    .filter((a) => c.args[a].required || a === position.arg)
    .map((a) => (a === position.arg ? value : validValue(id, a)))
  const flags = Object.entries(c.flags).filter(
    ([name, f]) => f.type === 'option' && (f.required || name === position.flag),
  )
  return [
    ...id.split(':'),
    ...args,
    ...flags.flatMap(([name]) => [`--${name}`, name === position.flag ? value : validValue(id, name)]),
  ]
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Every argument of every command, and every value-taking flag and flag env var once (the
 * connection flags are shared by most commands: each is tried on the first command that has it,
 * so every command and every flag is run at least once). The secret kind and --json rotate from
 * case to case; the positions of the issue that reported the leak (shift actor ID, --to,
 * --weight, --account, --server) get every secret with and without --json.
 */
function cases(): Case[] {
  const out: Case[] = []
  let n = 0
  const add = (
    label: string,
    argv: string[],
    where: RegExp,
    full: boolean,
    extraEnv?: (v: string) => Record<string, string>,
  ) => {
    const combos = full
      ? secrets.flatMap((s) => [false, true].map((j) => [s, j] as const))
      : [[secrets[n % secrets.length], Math.floor(n / secrets.length) % 2 === 1] as const]
    n++
    for (const [secret, json] of combos) {
      const a = argv.map((x) => (x === '\0SECRET' ? secret.value : x))
      out.push({
        label: `${label} <${secret.kind}>${json ? ' --json' : ''}`,
        argv: json ? [...a, '--json'] : a,
        env: extraEnv?.(secret.value),
        where,
        secret,
        json,
      })
    }
  }
  const seenFlags = new Set<string>()
  const seenEnv = new Set<string>()
  const FULL = new Set([
    'shift:actor ID',
    'shift:actor --to',
    'shift:actor --weight',
    'shift:actor --account',
    'shift:actor --server',
  ])
  for (const [id, c] of commands) {
    const before = out.length
    for (const arg of Object.keys(c.args))
      add(
        `${id} ${arg.toUpperCase()}`,
        argvFor(id, c, { arg }, '\0SECRET'),
        new RegExp(`argument ${arg}`, 'i'),
        FULL.has(`${id} ${arg.toUpperCase()}`),
      )
    const options = Object.entries(c.flags).filter(([, f]) => f.type === 'option')
    for (const [flag, f] of options) {
      if (!seenFlags.has(flag) || FULL.has(`${id} --${flag}`))
        add(
          `${id} --${flag}`,
          argvFor(id, c, { flag }, '\0SECRET'),
          new RegExp(`--${escape(flag)}\\b`),
          FULL.has(`${id} --${flag}`),
        )
      seenFlags.add(flag)
      if (f.env && !seenEnv.has(f.env))
        add(`${id} ${f.env}`, argvFor(id, c, {}, ''), new RegExp(`${f.env} \\(--${escape(flag)}\\)`), false, (v) => ({
          [f.env!]: v,
        }))
      if (f.env) seenEnv.add(f.env)
    }
    // A command whose flags were all tried elsewhere is still run once.
    if (out.length === before && options.length > 0) {
      const [flag] = options[0]
      add(`${id} --${flag}`, argvFor(id, c, { flag }, '\0SECRET'), new RegExp(`--${escape(flag)}\\b`), false)
    }
  }
  return out
}

/** Run `work` over `items`, at most `limit` at a time (the machine is shared). */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await work(items[i])
      }
    }),
  )
  return results
}

function expectRefused(
  c: { label: string; json: boolean; where: RegExp; secret: (typeof secrets)[number] },
  r: CliResult,
): void {
  const all = r.stdout + r.stderr
  for (const s of secrets)
    for (const trace of s.traces) expect(all, `${c.label}: printed a ${s.kind}`).not.toContain(trace)
  expect(r.code, `${c.label}:\n${all}`).toBe(ExitCode.CREDENTIALS)
  if (c.json) {
    const e = json<{ error: { code: string; message: string } }>(r).error
    expect(e.code, c.label).toBe('SEED_MISPLACED')
    expect(e.message, c.label).toMatch(c.where)
  } else {
    expect(r.stderr, c.label).toMatch(/Error \[SEED_MISPLACED\]/)
    expect(r.stderr, c.label).toMatch(c.where)
    expect(r.stderr, c.label).not.toMatch(/\n\s+at /)
  }
  expect(all, c.label).toMatch(c.secret.kind === 'creds content' ? /contents of a creds file/ : /an nkey seed/)
}

describe('a secret in the wrong place', () => {
  it('every flag, argument and flag env var of every command: refused, never printed, nothing pushed', async () => {
    const all = cases()
    // Every command, every value-taking flag and every flag env var of the manifest is in there.
    for (const [, c] of commands) {
      for (const [flag, f] of Object.entries(c.flags)) {
        if (f.type !== 'option') continue
        expect(
          all.some((x) => x.label.includes(` --${flag} <`)),
          `--${flag}`,
        ).toBe(true)
        if (f.env)
          expect(
            all.some((x) => x.label.includes(` ${f.env} <`)),
            f.env,
          ).toBe(true)
      }
    }
    for (const [id] of commands) expect(all.some((x) => x.label.startsWith(`${id} `))).toBe(true)
    // Each case is checked as it ends, so the first leak fails the test at once.
    await pool(all, 4, async (c) => expectRefused(c, await lattice(c.argv, { ...t.env(), ...c.env })))
    // One CLI process per case (about 200 of them): minutes on a loaded 2-core machine.
  }, 600_000)

  it('--server <seed> fails before any lookup or connection: the seed error, not CONNECTION_FAILED', async () => {
    const seed = secrets[0].value
    for (const server of [seed, `nats://${seed}:4222`, `nats://127.0.0.1:1,${seed}`]) {
      const r = await lattice(['status', '--server', server, '--json'], t.env())
      expect(json<{ error: { code: string } }>(r).error.code).toBe('SEED_MISPLACED')
      expect(r.stdout + r.stderr).not.toContain(seed)
    }
  }, 120_000)

  it('a seed or creds content in a spec file or a nats context is refused by line, never shown', async () => {
    const spec = (version: string) =>
      `lattice: default\naccount: ${t.l.appAccount}\nenvironments:\n  blue:\n    actors:\n      ${actor}: ${JSON.stringify(version)}\nlive: blue\n`
    const specCommands = (file: string) => [
      ['apply', '-f', file, '--force'],
      ['plan', '-f', file],
      ['env', 'subjects', 'blue', '-f', file],
      ['swap', 'blue', 'blue', '-f', file],
    ]
    const specCases = secrets.flatMap((s, i) => {
      const file = join(t.l.dir, `spec-${s.kind.replace(/ /g, '-')}.yaml`)
      writeFileSync(file, spec(s.value))
      // Each secret kind in each command once, --json on every other one.
      return specCommands(file).map((argv, k) => ({
        argv: (i + k) % 2 ? [...argv, '--json'] : argv,
        json: (i + k) % 2 === 1,
        s,
        file,
      }))
    })
    await pool(specCases, 4, async ({ argv, json: j, s, file }) => {
      expectRefused(
        { label: `${argv.join(' ')} <${s.kind} in spec>`, json: j, where: new RegExp(`${escape(file)}:6`), secret: s },
        await lattice(argv, t.env()),
      )
    })
    const config = join(t.l.dir, 'config')
    mkdirSync(join(config, 'nats', 'context'), { recursive: true })
    writeFileSync(
      join(config, 'nats', 'context', 'pasted.json'),
      JSON.stringify({ url: secrets[0].value, creds: t.l.sysCredsFile }),
    )
    const { NATS_URL: _, ...noUrl } = t.env()
    const r = await lattice(['status', '--context', 'pasted'], { ...noUrl, XDG_CONFIG_HOME: config })
    expectRefused({ label: 'nats context url', json: false, where: /nats context "pasted"/, secret: secrets[0] }, r)
  }, 120_000)

  it("oclif's own errors (unknown command or topic) show no seed", async () => {
    for (const argv of [[secrets[0].value], ['shift', secrets[1].value], ['rollout', secrets[2].value, '--json']]) {
      const r = await lattice(argv, t.env())
      expect(r.code).not.toBe(0)
      for (const s of secrets) for (const trace of s.traces) expect(r.stdout + r.stderr).not.toContain(trace)
      expect(r.stdout + r.stderr).toMatch(/<seed redacted>|SEED_MISPLACED/)
    }
  }, 120_000)
})
