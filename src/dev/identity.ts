/**
 * Keys, JWTs and creds for a local lattice (lattice dev up, the quick start, the tests): an
 * operator (with a signing key), a system account and an application account.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from 'nats-jwt'
import { type KeyPair, createAccount, createOperator, createUser } from 'nkeys.js'

/** Account limits that allow connections (an account JWT without limits allows none). */
export const OPEN_LIMITS = {
  subs: -1,
  data: -1,
  payload: -1,
  imports: -1,
  exports: -1,
  wildcards: true,
  conn: -1,
  leaf: -1,
}
/** OPEN_LIMITS plus JetStream (for the state bucket). */
export const JETSTREAM_LIMITS = { ...OPEN_LIMITS, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 }

export interface Identity {
  operator: KeyPair
  operatorJwt: string
  /** A second operator key, listed as an operator signing key. */
  operatorSigningKey: KeyPair
  sys: KeyPair
  sysJwt: string
  app: KeyPair
  appJwt: string
}

export async function makeIdentity(
  appLimits: Record<string, unknown> = OPEN_LIMITS,
  sysLimits: Record<string, unknown> = OPEN_LIMITS,
  operatorName = 'lattice-local',
): Promise<Identity> {
  const operator = createOperator()
  const operatorSigningKey = createOperator()
  const sys = createAccount()
  const app = createAccount()
  const operatorJwt = await encodeOperator(operatorName, operator, {
    signing_keys: [operatorSigningKey.getPublicKey()],
    system_account: sys.getPublicKey(),
  } as never)
  const sysJwt = await encodeAccount('SYS', sys, { limits: sysLimits } as never, { signer: operator })
  const appJwt = await encodeAccount('APP', app, { limits: appLimits } as never, { signer: operator })
  return { operator, operatorJwt, operatorSigningKey, sys, sysJwt, app, appJwt }
}

/** Write a new user of `account` as a creds file (mode 0600); returns the user's public key. */
export async function writeCreds(file: string, account: KeyPair, name: string): Promise<string> {
  const user = createUser()
  const jwt = await encodeUser(name, user, account)
  rmSync(file, { force: true }) // a file that existed keeps its mode: write a new one
  writeFileSync(file, fmtCreds(jwt, user), { mode: 0o600 })
  chmodSync(file, 0o600) // whatever the umask
  return user.getPublicKey()
}

export function seedText(kp: KeyPair): string {
  return new TextDecoder().decode(kp.getSeed())
}
