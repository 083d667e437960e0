/** --nsc: the account and signing key come from an nsc store (built here, in nsc's layout), and pushed JWTs go back into it. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice()
let data: string
let appJwtFile: string

beforeAll(async () => {
  const l = t.l
  data = join(l.dir, 'data') // removed with the lattice
  const nsc = join(data, 'nats', 'nsc')
  const op = join(nsc, 'stores', 'OP')
  mkdirSync(join(op, 'accounts', 'APP'), { recursive: true })
  mkdirSync(join(op, 'accounts', 'SYS'), { recursive: true })
  writeFileSync(join(op, 'OP.jwt'), l.id.operatorJwt)
  writeFileSync(join(op, 'accounts', 'SYS', 'SYS.jwt'), l.id.sysJwt)
  appJwtFile = join(op, 'accounts', 'APP', 'APP.jwt')
  writeFileSync(appJwtFile, await liveJwt(l))
  const pk = l.id.operatorSigningKey.getPublicKey()
  mkdirSync(join(nsc, 'keys', 'keys', pk[0], pk.slice(1, 3)), { recursive: true })
  writeFileSync(
    join(nsc, 'keys', 'keys', pk[0], pk.slice(1, 3), `${pk}.nk`),
    new TextDecoder().decode(l.id.operatorSigningKey.getSeed()),
    { mode: 0o600 },
  )
})
const env = () => ({ NATS_URL: t.l.url, NATS_CREDS: t.l.sysCredsFile, XDG_DATA_HOME: data })

describe('--nsc', () => {
  it('takes the account by name and the signing key from the store, and writes the pushed JWT back', async () => {
    const r = await lattice(
      ['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force', '--nsc', '--account', 'APP'],
      env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect((await liveClaims(t.l)).iss).toBe(t.l.id.operatorSigningKey.getPublicKey())
    expect(readFileSync(appJwtFile, 'utf8')).toBe(await liveJwt(t.l))
  })

  it('warns when the store and the servers disagree, and brings the store in step', async () => {
    writeFileSync(appJwtFile, t.l.id.appJwt) // an older JWT, as after changes made without --nsc
    const r = await lattice(
      ['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force', '--nsc'],
      env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/The nsc store's JWT for APP is older than the servers'/)
    expect(readFileSync(appJwtFile, 'utf8')).toBe(await liveJwt(t.l))
  })

  it('says what is missing', async () => {
    const r = await lattice(['status', '--nsc', '--operator', 'nope'], env())
    expect(r.code).toBe(ExitCode.CREDENTIALS)
    expect(r.stderr).toMatch(/NSC_NOT_FOUND.*no operator "nope".*Operators: OP/s)
  })
})
