/**
 * The version token: a version made safe as one NATS subject token. Unpadded base64url of the
 * version's UTF-8 bytes ("v2" -> "djI"). The compiler and host-core both use this one function.
 */

export const MAX_VERSION_BYTES = 128

export function versionToken(version: string): string {
  return Buffer.from(version, 'utf8').toString('base64url')
}

/** The version a token stands for, or undefined when the token is not one we could have made. */
export function versionFromToken(token: string): string | undefined {
  // Unpadded base64 never has length 1 mod 4; such tokens are reserved for our own markers.
  if (token.length === 0 || token.length % 4 === 1 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined
  const bytes = Buffer.from(token, 'base64url')
  const version = bytes.toString('utf8')
  // Round-trip check: rejects invalid UTF-8 and non-canonical encodings.
  return versionToken(version) === token ? version : undefined
}

/** Why `version` cannot be used, or undefined when it can. */
export function versionProblem(version: string): string | undefined {
  if (version.length === 0) return 'it is empty'
  if (Buffer.byteLength(version, 'utf8') > MAX_VERSION_BYTES) return `it is longer than ${MAX_VERSION_BYTES} bytes`
  if (/\s/u.test(version)) return 'it contains whitespace'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/u.test(version)) return 'it contains control characters'
  return undefined
}
