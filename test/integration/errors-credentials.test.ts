/** Bad keys, creds and connections are refused before anything is pushed, with a clear message, a stable exit code and no secrets. */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAccount, createOperator } from 'nkeys.js'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { OPEN_LIMITS, freePort, makeIdentity } from '../helpers/nats-server.js'
import { useRefusals } from '../helpers/refusals.js'
import { startTestLattice } from '../helpers/test-lattice.js'

const { t, secrets, refused, shiftArgs } = useRefusals()

describe('keys and creds', () => {
  it('missing signing key', async () => {
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_SIGNING_KEY: undefined },
      ExitCode.CREDENTIALS,
      'SIGNING_KEY_MISSING',
      /signing key/i,
    )
  })
  it('unreadable signing key file', async () => {
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_SIGNING_KEY: join(t.l.dir, 'nope.nk') },
      ExitCode.CREDENTIALS,
      'SIGNING_KEY_UNREADABLE',
      /does not exist/,
    )
  })
  it('a seed of the wrong kind, from a file or from LATTICE_SIGNING_KEY_SEED', async () => {
    const file = join(t.l.dir, 'account.nk')
    const accountSeed = new TextDecoder().decode(createAccount().getSeed())
    writeFileSync(file, accountSeed)
    secrets.push(accountSeed)
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_SIGNING_KEY: file },
      ExitCode.CREDENTIALS,
      'SIGNING_KEY_INVALID',
      /account seed/,
    )
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_SIGNING_KEY: undefined, LATTICE_SIGNING_KEY_SEED: accountSeed },
      ExitCode.CREDENTIALS,
      'SIGNING_KEY_INVALID',
      /account seed/,
    )
  })
  it('the seed itself from LATTICE_SIGNING_KEY_SEED works', async () => {
    const r = await lattice(shiftArgs({ id: newActorId() }), {
      ...t.env(),
      LATTICE_SIGNING_KEY: undefined,
      LATTICE_SIGNING_KEY_SEED: secrets[0],
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout + r.stderr).not.toContain(secrets[0])
  })
  it('unreadable or invalid creds', async () => {
    await refused(
      ['status'],
      { ...t.env(), NATS_CREDS: join(t.l.dir, 'missing.creds') },
      ExitCode.CREDENTIALS,
      'CREDS_UNREADABLE',
      /does not exist/,
    )
    await refused(
      ['status'],
      { ...t.env(), NATS_CREDS: t.l.operatorSeedFile },
      ExitCode.CREDENTIALS,
      'CREDS_INVALID',
      /not a NATS credentials file/,
    )
  })
  it('secrets in the wrong variable are never echoed', async () => {
    await refused(
      shiftArgs(),
      { ...t.env(), LATTICE_SIGNING_KEY: secrets[0] },
      ExitCode.CREDENTIALS,
      'SEED_MISPLACED',
      /LATTICE_SIGNING_KEY \(--signing-key\) holds an nkey seed/,
    )
    await refused(
      ['status'],
      { ...t.env(), NATS_CREDS: readFileSync(t.l.sysCredsFile, 'utf8') },
      ExitCode.CREDENTIALS,
      'SEED_MISPLACED',
      /NATS_CREDS \(--creds\) holds the contents of a creds file/,
    )
    const r = await lattice(['status'], { ...t.env(), NATS_URL: 'nats://admin:hunter2@127.0.0.1:1' })
    expect(r.code).toBe(ExitCode.CONNECTION)
    expect(r.stderr).not.toContain('hunter2')
  })
  it('no creds at all: the server refuses', async () => {
    await refused(
      ['status'],
      { ...t.env(), NATS_CREDS: undefined },
      ExitCode.CREDENTIALS,
      'AUTHORIZATION',
      /Authorization Violation/i,
    )
  })
  it('creds of an application user: no resolver answers', async () => {
    await refused(
      ['status'],
      { ...t.env(), NATS_CREDS: t.l.appCredsFile },
      ExitCode.CONNECTION,
      'NO_RESOLVER',
      /system-account user/,
    )
  })
  it('a key the operator does not trust is refused before pushing', async () => {
    // The resolver would answer "jwt updated" and keep using the old claims.
    const file = join(t.l.dir, 'stranger.nk')
    writeFileSync(file, new TextDecoder().decode(createOperator().getSeed()), { mode: 0o600 })
    await refused(
      shiftArgs({ id: newActorId() }),
      { ...t.env(), LATTICE_SIGNING_KEY: file, LATTICE_OPERATOR_JWT: undefined },
      ExitCode.CREDENTIALS,
      'UNTRUSTED_KEY',
      /not trusted by the server's operator/,
    )
  })
})

describe('connection problems', () => {
  it('nothing listening', async () => {
    const port = await freePort()
    await refused(
      ['status'],
      { ...t.env(), NATS_URL: `nats://127.0.0.1:${port}` },
      ExitCode.CONNECTION,
      'CONNECTION_FAILED',
      /connection refused/,
    )
  })

  it("reports the server's own words when nats.js would only say TIMEOUT", async () => {
    const id = await makeIdentity(OPEN_LIMITS, { ...OPEN_LIMITS, conn: 1 })
    const small = await startTestLattice({ identity: id })
    try {
      await small.connect(small.l.sysCredsFile)
      const r = await lattice(['status'], small.env())
      expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
      expect(r.stderr).toMatch(/maximum account active connections exceeded/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      await small.stop()
    }
  })
})
