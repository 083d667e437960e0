/**
 * Account JWTs: verify the live one, and produce its successor with only our mappings changed.
 * Every field we do not own (imports, exports, limits, signing keys, revocations, other
 * mappings, unknown fields) is carried over exactly as it was.
 */
import type { KeyPair } from 'nkeys.js'
import { LatticeError } from '../errors.js'
import { type Mappings, type RouteChange, applyRouteChanges } from '../plan/routes.js'
import { type Claims, JwtError, decodeAndVerify, nextIat, sign } from './jwt.js'

/** nats-jwt has no type for mappings; this is the part of an account's `nats` claim we use. */
export interface AccountNats {
  type?: string
  version?: number
  mappings?: Mappings
  limits?: Record<string, unknown>
  signing_keys?: unknown[]
  [field: string]: unknown
}

export interface AccountClaims extends Claims {
  nats: AccountNats
}

export interface LiveAccount {
  jwt: string
  claims: AccountClaims
}

/** Verify a JWT read from the resolver: signed by its issuer, an account JWT for `account`. */
export function verifyAccountJwt(jwt: string, account: string): LiveAccount {
  let claims: AccountClaims
  try {
    claims = decodeAndVerify<AccountClaims>(jwt).claims
  } catch (e) {
    const why = e instanceof JwtError ? e.message : String(e)
    throw new LatticeError('LIVE_JWT_INVALID', `The resolver's JWT for account ${account} cannot be trusted: ${why}.`, {
      hint: 'Check that --account names the right account and that the resolver holds a JWT issued by your operator.',
    })
  }
  if (claims.sub !== account) {
    throw new LatticeError(
      'LIVE_JWT_INVALID',
      `The resolver returned a JWT for ${claims.sub}, not for account ${account}.`,
    )
  }
  if (claims.nats?.type !== 'account') {
    throw new LatticeError(
      'LIVE_JWT_INVALID',
      `The resolver's JWT for ${account} is of type "${claims.nats?.type}", not an account JWT.`,
    )
  }
  if (!claims.iss.startsWith('O')) {
    throw new LatticeError(
      'LIVE_JWT_INVALID',
      `The account JWT for ${account} is issued by ${claims.iss}, which is not an operator key.`,
    )
  }
  return { jwt, claims }
}

/** Claims with `changes` applied to the mappings; undefined-valued fields stay absent. */
export function withRouteChanges(claims: AccountClaims, lattice: string, changes: RouteChange[]): AccountClaims {
  const mappings = applyRouteChanges(claims.nats.mappings, lattice, changes)
  const nats: AccountNats = { ...claims.nats }
  if (mappings) nats.mappings = mappings
  else delete nats.mappings
  return { ...claims, nats }
}

/** Sign the successor of `live`: iat strictly after the live one so resyncing servers keep ours. */
export function signSuccessor(
  claims: AccountClaims,
  live: AccountClaims,
  signer: KeyPair,
  nowMs = Date.now(),
): { jwt: string; iat: number } {
  const iat = nextIat(live.iat, nowMs)
  return { jwt: sign(claims, signer, iat), iat }
}
