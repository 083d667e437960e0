/**
 * The version token: a version made safe as one NATS subject token. Unpadded base64url of the
 * UTF-8 bytes of the version in Unicode NFC ("v2" -> "djI"), so that a name typed composed
 * ("é", U+00E9) or decomposed ("e" + U+0301) is one version with one token. The compiler and
 * host-core both use this one function.
 */

export const MAX_VERSION_BYTES = 128

/** The one spelling of a version lattice compares and stores: Unicode NFC. */
export function normalizeVersion(version: string): string {
  return version.normalize('NFC')
}

export function versionToken(version: string): string {
  return Buffer.from(normalizeVersion(version), 'utf8').toString('base64url')
}

/** The version a token stands for, or undefined when the token is not one we could have made. */
export function versionFromToken(token: string): string | undefined {
  // Unpadded base64 never has length 1 mod 4; such tokens are reserved for our own markers.
  if (token.length === 0 || token.length % 4 === 1 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined
  const bytes = Buffer.from(token, 'base64url')
  const version = bytes.toString('utf8')
  // Round-trip check: rejects invalid UTF-8, non-canonical encodings and names not in NFC.
  return versionToken(version) === token ? version : undefined
}

/** Why `version` cannot be used, or undefined when it can. */
export function versionProblem(version: string): string | undefined {
  if (version.length === 0) return 'it is empty'
  if (Buffer.byteLength(normalizeVersion(version), 'utf8') > MAX_VERSION_BYTES)
    return `it is longer than ${MAX_VERSION_BYTES} bytes`
  if (/\s/u.test(version)) return 'it contains whitespace'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/u.test(version)) return 'it contains control characters'
  if (/[\uD800-\uDFFF]/u.test(version)) return 'it is not valid Unicode (a lone surrogate)'
  return undefined
}
