/** Bad input is refused before anything is pushed, with a clear message, a stable exit code and no secrets. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { createAccount, createOperator } from 'nkeys.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { type CliResult, json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { OPEN_LIMITS, type TestLattice, freePort, makeIdentity, startLattice } from '../helpers/nats-server.js'
import { appConnection } from '../helpers/traffic.js'

let l: TestLattice
let secrets: string[]

beforeAll(async () => {
  l = await startLattice()
  const seeds = [l.operatorSeedFile, l.signingKeySeedFile]
  const { readFileSync } = await import('node:fs')
  secrets = seeds.map((f) => readFileSync(f, 'utf8').trim())
  for (const f of [l.sysCredsFile, l.appCredsFile]) secrets.push(readFileSync(f, 'utf8').match(/SU[A-Z2-7]{56}/)![0])
})
afterAll(async () => {
  await l?.stop()
})

/** Run, and check the common promises of every refusal. */
async function refused(args: string[], env: Record<string, string | undefined>, exit: number, code: string, message: RegExp): Promise<CliResult> {
  const before = await liveJwt(l)
  const r = await lattice(args, env)
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(exit)
  expect(r.stderr).toMatch(new RegExp(`Error \\[${code}\\]`))
  expect(r.stderr).toMatch(message)
  expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
  for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s)
  expect(await liveJwt(l)).toBe(before) // nothing changed on the live system
  const j = await lattice([...args, '--json'], env)
  expect(j.code).toBe(exit)
  expect(json<{ error: { code: string } }>(j).error.code).toBe(code)
  for (const s of secrets) expect(j.stdout + j.stderr).not.toContain(s)
  return r
}

const actor = newActorId()
const shiftArgs = (over: Partial<Record<'id' | 'to' | 'from' | 'weight', string>> = {}) => [
  'shift', 'actor', over.id ?? actor, '--from', over.from ?? 'v1', '--to', over.to ?? 'v2', '--weight', over.weight ?? '30', '--force',
]

describe('input checks', () => {
  it.each(['101', '-5', '30.5', 'thirty'])('weight %s', async (w) => {
    await refused(shiftArgs({ weight: w }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_WEIGHT', /weight/i)
  })
  it('actor ID with a bad checksum', async () => {
    const bad = actor.slice(0, 20) + (actor[20] === 'A' ? 'B' : 'A') + actor.slice(21)
    await refused(shiftArgs({ id: bad }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_ACTOR_ID', /checksum/)
  })
  it('a provider key where an actor is expected, and the other way round', async () => {
    await refused(shiftArgs({ id: newProviderId() }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_ACTOR_ID', /start with "M"/)
    await refused(['shift', 'provider', actor, '--from', 'a', '--to', 'b', '--weight', '5'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_PROVIDER_ID', /start with "V"/)
  })
  it('versions: empty, whitespace, too long', async () => {
    await refused(shiftArgs({ to: '' }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /empty/)
    await refused(shiftArgs({ to: 'v 2' }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /whitespace/)
    await refused(shiftArgs({ from: 'x'.repeat(129) }), l.env(), ExitCode.INVALID_INPUT, 'INVALID_VERSION', /128 bytes/)
  })
  it('lattice and link names that are not one token', async () => {
    await refused([...shiftArgs(), '--lattice', 'a.b'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_TOKEN', /lattice name/)
    await refused(['shift', 'provider', newProviderId(), '--link', '>', '--from', 'a', '--to', 'b', '--weight', '5'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_TOKEN', /link name ">": it is the wildcard ">"/)
  })
  it('lattice and link names nats-server would read as a mapping function or a wildcard reference', async () => {
    await refused(['shift', 'provider', newProviderId(), '--link', '{{foo()}}', '--from', 'a', '--to', 'b', '--weight', '5', '--force'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_TOKEN', /link name "\{\{foo\(\)\}\}": nats-server reads a token "\{\{\.\.\.\}\}" in a mapping destination as a mapping function/)
    await refused([...shiftArgs(), '--lattice', '$1'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_TOKEN', /lattice name "\$1": nats-server reads "\$1" in a mapping destination as a wildcard reference/)
  })
  it('"*" or ">" inside a name is a literal to NATS and is accepted; a "." in a cluster name too', async () => {
    const provider = newProviderId()
    const ok = await lattice(['shift', 'provider', provider, '--link', 'a*b', '--lattice', 'lab>1', '--from', 'v1', '--to', 'v2', '--weight', '30', '--force'], l.env())
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/n1: jwt updated/)
    const st = json<{ routes: { id: string; link: string; subject: string }[] }>(await lattice(['status', '--lattice', 'lab>1', '--json'], l.env()))
    expect(st.routes.map((r) => [r.id, r.link, r.subject])).toEqual([[provider, 'a*b', `wasmbus.rpc.lab>1.${provider}.a*b`]])
    // Past the name check: this server has no cluster of that name.
    await refused([...shiftArgs(), '--cluster', 'eu.west'], l.env(), ExitCode.INVALID_INPUT, 'UNKNOWN_CLUSTER', /"eu\.west"/)
    await refused([...shiftArgs(), '--cluster', 'eu west'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_TOKEN', /cluster name "eu west": it contains whitespace \(nats-server cluster names cannot\)/)
  })
  it('a shift with nowhere to put the remainder', async () => {
    await refused(['shift', 'actor', newActorId(), '--to', 'v2', '--weight', '30'], l.env(), ExitCode.INVALID_INPUT, 'MISSING_FROM', /--from/)
  })
  it('missing or invalid account', async () => {
    await refused(shiftArgs(), { ...l.env(), LATTICE_ACCOUNT: undefined }, ExitCode.INVALID_INPUT, 'MISSING_ACCOUNT', /--account/)
    await refused(shiftArgs(), { ...l.env(), LATTICE_ACCOUNT: 'ACCOUNT' }, ExitCode.INVALID_INPUT, 'INVALID_ACCOUNT_ID', /account/)
    await refused(shiftArgs(), { ...l.env(), LATTICE_ACCOUNT: createAccount().getPublicKey() }, ExitCode.LIVE_STATE, 'ACCOUNT_NOT_FOUND', /no JWT/)
  })
})

describe('keys and creds', () => {
  it('missing signing key', async () => {
    await refused(shiftArgs(), { ...l.env(), LATTICE_SIGNING_KEY: undefined }, ExitCode.CREDENTIALS, 'SIGNING_KEY_MISSING', /signing key/i)
  })
  it('unreadable signing key file', async () => {
    await refused(shiftArgs(), { ...l.env(), LATTICE_SIGNING_KEY: join(l.dir, 'nope.nk') }, ExitCode.CREDENTIALS, 'SIGNING_KEY_UNREADABLE', /does not exist/)
  })
  it('a seed of the wrong kind, from a file or from LATTICE_SIGNING_KEY_SEED', async () => {
    const file = join(l.dir, 'account.nk')
    const accountSeed = new TextDecoder().decode(createAccount().getSeed())
    writeFileSync(file, accountSeed)
    secrets.push(accountSeed)
    await refused(shiftArgs(), { ...l.env(), LATTICE_SIGNING_KEY: file }, ExitCode.CREDENTIALS, 'SIGNING_KEY_INVALID', /account seed/)
    await refused(shiftArgs(), { ...l.env(), LATTICE_SIGNING_KEY: undefined, LATTICE_SIGNING_KEY_SEED: accountSeed }, ExitCode.CREDENTIALS, 'SIGNING_KEY_INVALID', /account seed/)
  })
  it('the seed itself from LATTICE_SIGNING_KEY_SEED works', async () => {
    const r = await lattice(shiftArgs({ id: newActorId() }), { ...l.env(), LATTICE_SIGNING_KEY: undefined, LATTICE_SIGNING_KEY_SEED: secrets[0] })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout + r.stderr).not.toContain(secrets[0])
  })
  it('unreadable or invalid creds', async () => {
    await refused(['status'], { ...l.env(), NATS_CREDS: join(l.dir, 'missing.creds') }, ExitCode.CREDENTIALS, 'CREDS_UNREADABLE', /does not exist/)
    await refused(['status'], { ...l.env(), NATS_CREDS: l.operatorSeedFile }, ExitCode.CREDENTIALS, 'CREDS_INVALID', /not a NATS credentials file/)
  })
  it('secrets in the wrong variable are never echoed', async () => {
    await refused(shiftArgs(), { ...l.env(), LATTICE_SIGNING_KEY: secrets[0] }, ExitCode.CREDENTIALS, 'SEED_MISPLACED', /LATTICE_SIGNING_KEY \(--signing-key\) holds an nkey seed/)
    const { readFileSync } = await import('node:fs')
    await refused(['status'], { ...l.env(), NATS_CREDS: readFileSync(l.sysCredsFile, 'utf8') }, ExitCode.CREDENTIALS, 'SEED_MISPLACED', /NATS_CREDS \(--creds\) holds the contents of a creds file/)
    const r = await lattice(['status'], { ...l.env(), NATS_URL: 'nats://admin:hunter2@127.0.0.1:1' })
    expect(r.code).toBe(ExitCode.CONNECTION)
    expect(r.stderr).not.toContain('hunter2')
  })
  it('no creds at all: the server refuses', async () => {
    await refused(['status'], { ...l.env(), NATS_CREDS: undefined }, ExitCode.CREDENTIALS, 'AUTHORIZATION', /Authorization Violation/i)
  })
  it('creds of an application user: no resolver answers', async () => {
    await refused(['status'], { ...l.env(), NATS_CREDS: l.appCredsFile }, ExitCode.CONNECTION, 'NO_RESOLVER', /system-account user/)
  })
  it('a key the operator does not trust is refused before pushing', async () => {
    // The resolver would answer "jwt updated" and keep using the old claims.
    const file = join(l.dir, 'stranger.nk')
    writeFileSync(file, new TextDecoder().decode(createOperator().getSeed()), { mode: 0o600 })
    await refused(shiftArgs({ id: newActorId() }), { ...l.env(), LATTICE_SIGNING_KEY: file, LATTICE_OPERATOR_JWT: undefined }, ExitCode.CREDENTIALS, 'UNTRUSTED_KEY', /not trusted by the server's operator/)
  })
})

describe('connection problems', () => {
  it('nothing listening', async () => {
    const port = await freePort()
    await refused(['status'], { ...l.env(), NATS_URL: `nats://127.0.0.1:${port}` }, ExitCode.CONNECTION, 'CONNECTION_FAILED', /connection refused/)
  })

  it("reports the server's own words when nats.js would only say TIMEOUT", async () => {
    const id = await makeIdentity(OPEN_LIMITS, { ...OPEN_LIMITS, conn: 1 })
    const small = await startLattice({ identity: id })
    let held: NatsConnection | undefined
    try {
      held = await appConnection(small.url, small.sysCredsFile)
      const r = await lattice(['status'], small.env())
      expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
      expect(r.stderr).toMatch(/maximum account active connections exceeded/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      await held?.close()
      await small.stop()
    }
  })
})

describe('usage errors', () => {
  it('missing required flags exit 2, in lattice style with the help to read', async () => {
    const r = await lattice(['shift', 'actor', '--force', actor, '--to', 'v2'], l.env())
    expect(r.code).toBe(ExitCode.USAGE)
    expect(r.stderr).toMatch(/^Error \[USAGE\]: Missing required flag weight\n {2}`lattice shift actor --help` lists its arguments and flags/)
  })
  it('--from equal to --to is refused before connecting', async () => {
    await refused([...shiftArgs({ from: 'v2' }), '--server', 'nats://127.0.0.1:1'], l.env(), ExitCode.INVALID_INPUT, 'INVALID_SHIFT', /both "v2"/)
  })
})
