/**
 * Secrets never leave lattice in its output: anything shaped like an nkey seed, and the body of a
 * creds file, is replaced by a marker. Pure functions; src/cli/output-guard.ts applies them to
 * every byte the CLI writes, the state store to every record it files.
 *
 * An nkey seed is base32 (A-Z, 2-7) of 36 bytes, 58 characters: the seed prefix byte makes it
 * start with "S", the key-type prefix makes the second character the type letter (O operator,
 * A account, U user, N server, C cluster, X curve, ...). Any second letter is matched, and the
 * checksum is not checked: a mistyped seed is still a secret.
 */

/** A URL as output, records and history show it: its origin only (a chat webhook's path or a `?token=` is a secret). */
export const urlOrigin = (text: string): string => {
  try {
    return new URL(text).origin
  } catch {
    return '(invalid URL)'
  }
}

/** What a gate command is recorded and shown as: the command itself may carry secrets (tokens, URLs). */
export const UNRECORDED_COMMAND = '(a command: not recorded)'

export const SEED_MARKER = '<seed redacted>'
export const CREDS_MARKER = '<creds redacted>'

/** A seed, and any base32 run it is glued to. */
const SEED = /S[A-Z2-7]{57,}/g
/**
 * A "-----BEGIN NATS USER JWT-----" / "-----BEGIN USER NKEY SEED-----" block up to its END line,
 * or to the end of the text when cut short.
 */
const CREDS_BLOCK = /-{3,}\s*BEGIN [A-Z ]*(?:JWT|SEED)\s*-{3,}[\s\S]*?(?:-{3,}\s*END [A-Z ]*(?:JWT|SEED)\s*-{3,}|$)/g

/** `text` with every seed and creds block replaced by a marker. */
export function redact(text: string): string {
  if (!text.includes('S') && !text.includes('BEGIN')) return text
  return text.replace(CREDS_BLOCK, CREDS_MARKER).replace(SEED, SEED_MARKER)
}

export type SecretKind = 'seed' | 'creds'

/** What secret `text` holds, if any (creds first: a creds file also holds a seed). */
export function secretIn(text: string): SecretKind | undefined {
  if (new RegExp(CREDS_BLOCK.source).test(text)) return 'creds'
  if (new RegExp(SEED.source).test(text)) return 'seed'
  return undefined
}

/** True when `text` holds a seed or creds content. */
export function containsSecret(text: string): boolean {
  return secretIn(text) !== undefined
}

/** A JSON-like value with every string in it (keys too) redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)])) as T
  }
  return value
}

/**
 * The environment handed to a program lattice starts (a gate command, the browser): without
 * LATTICE_SIGNING_KEY_SEED and without any variable whose value holds a seed or creds.
 */
export function envWithoutSecrets(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k !== 'LATTICE_SIGNING_KEY_SEED' && !(v && containsSecret(v))),
  )
}
