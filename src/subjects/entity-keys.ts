/**
 * Validation of wasmCloud entity keys: actors are nkeys "module" keys (M...), providers are
 * "service" keys (V...). nkeys.js knows neither prefix, so the base32 + CRC-16 check lives here.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export const KeyPrefix = { module: 12 << 3, service: 21 << 3, account: 0, operator: 14 << 3 } as const
export type KeyKind = keyof typeof KeyPrefix

function base32Decode(s: string): Uint8Array | undefined {
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of s) {
    const idx = ALPHABET.indexOf(ch)
    if (idx < 0) return undefined
    value = (value << 5) | idx
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Uint8Array.from(out)
}

/** RFC 4648 base32, no padding (the nkeys alphabet). */
export function base32Encode(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/** CRC-16/XMODEM, the checksum nkeys appends (little-endian). */
function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const b of bytes) {
    crc ^= b << 8
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc
}

/** Why `key` is not a valid public key of `kind`, or undefined when it is. */
export function publicKeyProblem(key: string, kind: KeyKind): string | undefined {
  const letter = ALPHABET[KeyPrefix[kind] >> 3]
  if (typeof key !== 'string' || key.length === 0) return 'it is empty'
  if (key[0] !== letter) return `it must start with "${letter}" (a ${kind} key)`
  if (key.length !== 56) return `it must be 56 characters long, not ${key.length}`
  const raw = base32Decode(key)
  if (!raw) return 'it contains characters outside A-Z and 2-7'
  if (raw.length !== 35) return 'it does not decode to a public key'
  const body = raw.subarray(0, 33)
  const sum = raw[33] | (raw[34] << 8)
  if (crc16(body) !== sum) return 'its checksum does not match (a character is wrong or missing)'
  return undefined
}

/** The 32 raw bytes of an nkeys public key (any prefix); undefined when it does not decode. */
export function rawPublicKey(key: string): Uint8Array | undefined {
  const raw = base32Decode(key)
  return raw?.length === 35 ? raw.slice(1, 33) : undefined
}

/** A fresh, valid actor (M...) or provider (V...) ID: 32 random bytes as a public key (`lattice dev id`, the demo, tests). */
export function newEntityId(kind: 'actor' | 'provider'): string {
  return encodePublicKey(kind === 'actor' ? 'module' : 'service', globalThis.crypto.getRandomValues(new Uint8Array(32)))
}

/** A public key of `kind` for the given 32 raw bytes (used by tests and demos to make IDs). */
export function encodePublicKey(kind: KeyKind, raw: Uint8Array): string {
  if (raw.length !== 32) throw new Error('a public key is 32 bytes')
  const body = new Uint8Array(33)
  body[0] = KeyPrefix[kind]
  body.set(raw, 1)
  const sum = crc16(body)
  const full = new Uint8Array(35)
  full.set(body)
  full[33] = sum & 0xff
  full[34] = sum >> 8
  return base32Encode(full)
}
