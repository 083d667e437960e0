/**
 * Whose account JWTs lattice may re-sign. lattice edits the live account JWT and signs the
 * result with the operator key; if it signed whatever the resolver served, anyone who can push
 * an account JWT (a system-account user, a rogue server answering the lookup) could have the
 * operator key launder their claims (an extra account signing key, a far-future iat). So the
 * live JWT must be issued by the signing key's own operator or one of its signing keys, known
 * from a source the operator controls, never from the servers' word:
 *   --operator-jwt FILE (LATTICE_OPERATOR_JWT), the nsc store's operator JWT (--nsc), or, with
 *   neither, the signing key alone (the live JWT must then be issued by that very key).
 */
import { readFileSync } from 'node:fs'
import { type Claims, JwtError, decodeAndVerify } from '../account/jwt.js'
import { LatticeError } from '../errors.js'

export const OPERATOR_JWT_ENV = 'LATTICE_OPERATOR_JWT'

export interface IssuerTrust {
  /** The keys that may have issued an account JWT lattice re-signs. */
  keys: Set<string>
  /** Where they come from, for messages. */
  source: string
}

interface OperatorClaims extends Claims {
  nats?: { type?: string; signing_keys?: (string | { key?: string })[] }
}

/** Read and check an operator JWT file: self-signed by its operator, of type operator. */
function operatorKeys(file: string): Set<string> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new LatticeError(
      'OPERATOR_JWT_INVALID',
      `Cannot read the operator JWT ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
      {
        hint: `Point --operator-jwt (${OPERATOR_JWT_ENV}) at the operator's JWT (\`nsc describe operator --raw\` prints it).`,
      },
    )
  }
  let claims: OperatorClaims
  try {
    claims = decodeAndVerify<OperatorClaims>(text.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)?.[0] ?? text).claims
  } catch (e) {
    throw new LatticeError(
      'OPERATOR_JWT_INVALID',
      `${file} is not an operator JWT lattice can trust: ${e instanceof JwtError ? e.message : String(e)}.`,
      { hint: `Point --operator-jwt (${OPERATOR_JWT_ENV}) at the operator's JWT.` },
    )
  }
  if (claims.nats?.type !== 'operator' || claims.iss !== claims.sub || !claims.sub?.startsWith('O')) {
    throw new LatticeError(
      'OPERATOR_JWT_INVALID',
      `${file} is not an operator JWT signed by its own operator (type ${claims.nats?.type ?? 'none'}, issuer ${claims.iss}).`,
      { hint: `Point --operator-jwt (${OPERATOR_JWT_ENV}) at the operator's JWT.` },
    )
  }
  const signing = (claims.nats.signing_keys ?? [])
    .map((k) => (typeof k === 'string' ? k : (k.key ?? '')))
    .filter((k) => k.startsWith('O'))
  return new Set([claims.sub, ...signing])
}

/** The issuers `signer` may re-sign: its operator's keys from `file`, or the signer alone. */
export function issuerTrust(signer: string, file: string | undefined, fileSource: string): IssuerTrust {
  if (!file) return { keys: new Set([signer]), source: 'the signing key alone (no operator JWT given)' }
  const keys = operatorKeys(file)
  if (!keys.has(signer)) {
    throw new LatticeError(
      'UNTRUSTED_KEY',
      `The signing key ${signer} is neither the operator of ${fileSource} nor one of its signing keys.`,
      { hint: "Use that operator's seed (or one of its signing keys), or the operator JWT that lists this key." },
    )
  }
  return { keys, source: fileSource }
}

/** Most a live JWT's iat may be ahead of this machine's clock (clock skew between machines). */
export const MAX_CLOCK_SKEW_S = 300

/**
 * Throws UNTRUSTED_LIVE_JWT unless the live account JWT was issued by a trusted key and its iat
 * is not in the future beyond MAX_CLOCK_SKEW_S. `--force` does not bypass this.
 */
export function assertOwnClaims(
  claims: { sub: string; iss: string; iat?: number; nats?: { signing_keys?: unknown[] } },
  trust: IssuerTrust,
  nowMs = Date.now(),
): void {
  const found = {
    issuer: claims.iss,
    iat: claims.iat,
    signingKeys: (claims.nats?.signing_keys ?? []).map((k) =>
      typeof k === 'string' ? k : ((k as { key?: string })?.key ?? '?'),
    ),
  }
  const restore =
    "Restore the account JWT from a source you trust (e.g. `nsc push -a ACCOUNT`); servers from 2.10 keep a stored JWT whose iat is later than the one pushed, so remove the planted one from each resolver's directory first. Nothing was changed."
  if (!trust.keys.has(claims.iss)) {
    throw new LatticeError(
      'UNTRUSTED_LIVE_JWT',
      `The live account JWT of ${claims.sub} is issued by ${claims.iss}, which is not the signing key's operator nor one of its signing keys (trusted: ${[...trust.keys].join(', ')}, from ${trust.source}); found${found.signingKeys.length ? ` account signing keys ${found.signingKeys.join(', ')},` : ''} iat ${claims.iat ?? 'none'}. lattice signs only claims its operator wrote.`,
      {
        hint: trust.source.startsWith('the signing key alone')
          ? `If the operator signs with several keys, pass its JWT: --operator-jwt FILE (${OPERATOR_JWT_ENV}). Otherwise: ${restore}`
          : restore,
        details: { reason: 'foreign-issuer', ...found },
      },
    )
  }
  const ahead = (claims.iat ?? 0) - Math.floor(nowMs / 1000)
  if (ahead > MAX_CLOCK_SKEW_S) {
    throw new LatticeError(
      'UNTRUSTED_LIVE_JWT',
      `The live account JWT of ${claims.sub} was issued at ${claims.iat} (${new Date((claims.iat ?? 0) * 1000).toISOString()}), ${ahead} s in the future: lattice would have to sign later still. A clock far ahead or a planted JWT.`,
      {
        hint: `Check this machine's clock. ${restore}`,
        details: { reason: 'future-iat', ...found },
      },
    )
  }
}
