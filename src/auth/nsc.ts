/**
 * The nsc store: where `nsc` keeps operators, accounts and keys
 * ($XDG_DATA_HOME or ~/.local/share, then nats/nsc/stores/<operator>/accounts/<account>/<account>.jwt,
 * keys at nats/nsc/keys/keys/<pk[0]>/<pk[1:3]>/<pk>.nk). With --nsc, lattice takes the account
 * and the operator's signing key from it, and writes every JWT it pushes back into it, so that
 * a later `nsc push` cannot silently revert the mappings.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { LatticeError } from '../errors.js'

export interface NscAccount {
  operator: string
  name: string
  publicKey: string
  jwtFile: string
  /** The seed file of the operator's signing key (or of the operator), when the store has one. */
  signingKeyFile?: string
  /** The operator's system account (its JWT's system_account), when set. */
  systemAccount?: string
  /** The operator's JWT in the store: whose keys may issue the account JWT lattice re-signs. */
  operatorJwtFile: string
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.trim().split('.')[1] ?? '', 'base64url').toString()) as {
    sub?: string
    nats?: { signing_keys?: (string | { key?: string })[]; system_account?: string }
  }

export function nscDir(env = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'nats', 'nsc')
}

const notFound = (message: string, hint: string) => new LatticeError('NSC_NOT_FOUND', message, { hint })

/** One of `names`: the one asked for, or the only one. */
function pick(names: string[], wanted: string | undefined, what: string, flag: string): string {
  if (wanted) {
    if (names.includes(wanted)) return wanted
    throw notFound(`The nsc store has no ${what} "${wanted}".`, `${capital(what)}s: ${names.join(', ') || '(none)'}.`)
  }
  if (names.length === 1) return names[0]
  throw notFound(
    `The nsc store has ${names.length} ${what}s (${names.join(', ') || 'none'}); say which.`,
    `Pass ${flag}.`,
  )
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1)

export function loadNscAccount(opts: { operator?: string; account?: string }, env = process.env): NscAccount {
  const dir = nscDir(env)
  const stores = join(dir, 'stores')
  if (!existsSync(stores))
    throw notFound(
      `There is no nsc store at ${stores}.`,
      'Create one with `nsc add operator`, or set XDG_DATA_HOME to where it is.',
    )
  const operator = pick(readdirSync(stores), opts.operator, 'operator', '--operator NAME')
  const accountsDir = join(stores, operator, 'accounts')
  const names = existsSync(accountsDir) ? readdirSync(accountsDir) : []
  const jwtOf = (name: string) => join(accountsDir, name, `${name}.jwt`)
  // --account may be the account's name in the store or its public key.
  const byKey =
    opts.account?.startsWith('A') && opts.account.length === 56
      ? names.find((n) => existsSync(jwtOf(n)) && claimsOf(readFileSync(jwtOf(n), 'utf8')).sub === opts.account)
      : undefined
  const name =
    byKey ??
    pick(
      names.filter((n) => n !== 'SYS'),
      opts.account,
      'account',
      '--account NAME',
    )
  const publicKey = claimsOf(readFileSync(jwtOf(name), 'utf8')).sub as string
  const operatorJwtFile = join(stores, operator, `${operator}.jwt`)
  const op = claimsOf(readFileSync(operatorJwtFile, 'utf8'))
  const keys = [
    ...(op.nats?.signing_keys ?? []).map((k) => (typeof k === 'string' ? k : (k.key ?? ''))),
    op.sub ?? '',
  ].filter(Boolean)
  const keyFile = (pk: string) => join(dir, 'keys', 'keys', pk[0], pk.slice(1, 3), `${pk}.nk`)
  const signing = keys.find((pk) => existsSync(keyFile(pk)))
  return {
    operator,
    name,
    publicKey,
    jwtFile: jwtOf(name),
    operatorJwtFile,
    ...(signing ? { signingKeyFile: keyFile(signing) } : {}),
    ...(op.nats?.system_account ? { systemAccount: op.nats.system_account } : {}),
  }
}

export function storedAccountJwt(account: NscAccount): string {
  return readFileSync(account.jwtFile, 'utf8').trim()
}

/** Keep the store in step with what lattice pushed. */
export function writeBack(account: NscAccount, jwt: string): void {
  writeFileSync(account.jwtFile, jwt)
}
