/**
 * `creds` as a host author gives it: a path to a creds file, or the file's contents (string or
 * bytes). Told apart by content: a creds file starts with the user JWT block. Errors name the
 * path but never echo contents (a creds file holds a seed).
 */
import { readFileSync } from 'node:fs'
import { HostError } from './host-error.js'

const JWT_HEADER = '-----BEGIN NATS USER JWT-----'
const SEED_HEADER = /-----BEGIN USER NKEY SEED-----/
const decoder = new TextDecoder()
const encoder = new TextEncoder()

export type CredsInput = string | Uint8Array

/** Is this text a creds file (a user JWT block, then a seed block)? */
function isCreds(text: string): boolean {
  return text.trimStart().startsWith(JWT_HEADER) && SEED_HEADER.test(text)
}

/** A path is printed only when it cannot be a pasted secret. */
function printable(path: string): string {
  return path.length <= 1024 && !/[\r\n]/.test(path) && !/SU[A-Z2-7]{40,}|eyJ[\w-]{20,}/.test(path)
    ? `"${path}"`
    : '(not shown: it looks like a secret, not a path)'
}

/** The creds contents, checked. Throws HostError BAD_CREDS, never a TypeError. */
export function loadCreds(creds: CredsInput): Uint8Array {
  if (creds instanceof Uint8Array) {
    if (isCreds(decoder.decode(creds))) return creds
    throw new HostError(
      'BAD_CREDS',
      `creds (given as bytes) are not the contents of a NATS creds file: they must start with "${JWT_HEADER}" and hold a user seed block. Pass the file's contents or its path.`,
    )
  }
  if (typeof creds !== 'string')
    throw new HostError(
      'BAD_CREDS',
      `creds must be a path to a creds file or its contents (string or Uint8Array), not ${creds === null ? 'null' : typeof creds}.`,
    )
  if (creds.trimStart().startsWith(JWT_HEADER)) {
    if (isCreds(creds)) return encoder.encode(creds)
    throw new HostError(
      'BAD_CREDS',
      'creds (given as contents) have a user JWT block but no "-----BEGIN USER NKEY SEED-----" block: pass the whole creds file.',
    )
  }
  let text: string
  try {
    text = readFileSync(creds, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? (e as Error).message})`
    throw new HostError(
      'BAD_CREDS',
      `The creds file ${printable(creds)} ${why}. Pass the path of a NATS creds file (from nsc or \`nats\` contexts) or its contents.`,
    )
  }
  if (!isCreds(text))
    throw new HostError(
      'BAD_CREDS',
      `The file ${printable(creds)} is not a NATS creds file: it must start with "${JWT_HEADER}" and hold a user seed block.`,
    )
  return encoder.encode(text)
}

/**
 * An authenticator source for nats.js: a file is read again at every (re)connect, so a rotated
 * creds file is picked up; if it has become unreadable, the last good contents are used.
 */
export function credsSource(creds: CredsInput): () => Uint8Array {
  let last = loadCreds(creds)
  if (typeof creds !== 'string' || creds.trimStart().startsWith(JWT_HEADER)) return () => last
  return () => {
    try {
      last = loadCreds(creds)
    } catch {
      // keep the last good creds; the connection error, if any, is logged by the host
    }
    return last
  }
}
