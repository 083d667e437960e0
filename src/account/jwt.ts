/**
 * NATS JWT decode, verify and sign (ed25519-nkey). We sign with nkeys.js directly because
 * nats-jwt's encode() always stamps iat = now, and we need iat = max(now, live iat + 1).
 */
import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto'
import { type KeyPair, fromPublic } from 'nkeys.js'
import { base32Encode, encodePublicKey, rawPublicKey } from '../subjects/entity-keys.js'
import { parseLossless, stringifyLossless } from './lossless-json.js'

export interface JwtHeader {
  typ: string
  alg: string
}

/**
 * Claims as they are on the wire. Fields we do not know are kept as they are: numbers a double
 * cannot hold exactly (MaxInt64 limits) are JsonNumbers, written back with their own text.
 */
export interface Claims {
  jti?: string
  iat?: number
  iss: string
  sub: string
  name?: string
  exp?: number
  nbf?: number
  nats?: Record<string, unknown>
  [field: string]: unknown
}

export interface DecodedJwt<C extends Claims = Claims> {
  header: JwtHeader
  claims: C
}

export class JwtError extends Error {}

/** Decode `jwt` and check that its issuer signed it. Throws JwtError with the reason. */
export function decodeAndVerify<C extends Claims = Claims>(jwt: string): DecodedJwt<C> {
  const parts = jwt.trim().split('.')
  if (parts.length !== 3) throw new JwtError(`not a JWT (${parts.length} parts, expected 3)`)
  let header: JwtHeader
  let claims: C
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
    claims = parseLossless(Buffer.from(parts[1], 'base64url').toString('utf8')) as C
  } catch {
    throw new JwtError('its header or claims are not valid JSON')
  }
  if (header.alg !== 'ed25519-nkey') throw new JwtError(`unsupported algorithm "${header.alg}" (expected ed25519-nkey)`)
  if (typeof claims.iss !== 'string') throw new JwtError('it has no issuer')
  let issuer: KeyPair
  try {
    issuer = fromPublic(claims.iss)
  } catch {
    throw new JwtError(`its issuer "${claims.iss}" is not a public key`)
  }
  const signature = Buffer.from(parts[2], 'base64url')
  if (!ed25519Verify(issuer, claims.iss, Buffer.from(`${parts[0]}.${parts[1]}`), signature)) {
    throw new JwtError('its signature does not verify against its issuer')
  }
  return { header, claims }
}

/** Sign `claims` as `signer`, with the given iat. jti is a hash of the claims, as Go's jwt does. */
export function sign(claims: Claims, signer: KeyPair, iat: number): string {
  const body: Claims = { ...claims, jti: '', iat, iss: signerPublicKey(signer) }
  const hash = createHash('sha512-256').update(stringifyLossless(body)).digest()
  body.jti = base32Encode(hash)
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString('base64url')
  const payload = Buffer.from(stringifyLossless(body)).toString('base64url')
  const signature = Buffer.from(ed25519Sign(signer, Buffer.from(`${header}.${payload}`))).toString('base64url')
  return `${header}.${payload}.${signature}`
}

// SPKI header of a raw 32-byte ed25519 public key.
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

function ed25519Verify(issuer: KeyPair, key: string, data: Buffer, signature: Buffer): boolean {
  const raw = rawPublicKey(key)
  if (!raw) return issuer.verify(data, signature)
  return cryptoVerify(
    null,
    data,
    createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' }),
    signature,
  )
}

// PKCS#8 header of a raw 32-byte ed25519 seed.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * Node's own ed25519 (OpenSSL) when the key pair exposes its raw seed: nkeys.js signs in pure
 * JavaScript, about 8 ms per signature here and far more for a large JWT (benchmark 3).
 */
function ed25519Sign(signer: KeyPair, data: Buffer): Uint8Array {
  const key = privateKeyOf(signer)
  return key ? cryptoSign(null, data, key) : signer.sign(data)
}

const privateKeys = new WeakMap<KeyPair, KeyObject>()

function privateKeyOf(signer: KeyPair): KeyObject | undefined {
  const raw = (signer as KeyPair & { getRawSeed?: () => Uint8Array }).getRawSeed?.()
  if (raw?.length !== 32) return undefined
  let key = privateKeys.get(signer)
  if (!key)
    privateKeys.set(
      signer,
      (key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw]), format: 'der', type: 'pkcs8' })),
    )
  return key
}

/**
 * The signer's public key (O...), derived with node's ed25519 when possible: nkeys.js derives
 * it in pure JavaScript on every call, which costs milliseconds each time.
 */
export function signerPublicKey(signer: KeyPair): string {
  let known = publicKeys.get(signer)
  if (!known) {
    const key = privateKeyOf(signer)
    const pk = key
      ? (createPublicKey(key).export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_ED25519.length)
      : undefined
    // Signing keys are operator keys (loadSigningKey accepts nothing else).
    known = pk?.length === 32 ? encodePublicKey('operator', pk) : signer.getPublicKey()
    publicKeys.set(signer, known)
  }
  return known
}

const publicKeys = new WeakMap<KeyPair, string>()

/** iat for a JWT that must supersede one issued at `liveIat` (one-second resolution). */
export function nextIat(liveIat: number | undefined, nowMs = Date.now()): number {
  return Math.max(Math.floor(nowMs / 1000), (liveIat ?? 0) + 1)
}
