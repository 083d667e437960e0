/**
 * NATS user credentials files (--creds / NATS_CREDS). Read and checked up front so that a wrong
 * path is reported as such, not as a connection failure. Contents never appear in messages.
 */
import { readFileSync } from 'node:fs'
import { fromSeed } from 'nkeys.js'
import { LatticeError } from '../errors.js'
import { assertPrivateFile } from './private-file.js'
import { looksLikeSeed } from './signing-key.js'

export interface Credentials {
  file: string
  /** The raw file, handed to the NATS client as is. */
  bytes: Uint8Array
  /** Public facts from the user JWT, for messages: never the seed. */
  user: { publicKey?: string; name?: string; account?: string }
}

const CREDS_RE =
  /-{3,}BEGIN NATS USER JWT-{3,}\s*\n\s*(\S+)\s*\n[\s\S]*-{3,}BEGIN USER NKEY SEED-{3,}\s*\n\s*(SU[A-Z2-7]+)\s*\n/

export function readCreds(file: string): Credentials {
  if (looksLikeSeed(file) || /BEGIN NATS USER JWT/.test(file) || file.includes('\n')) {
    throw new LatticeError('CREDS_INVALID', '--creds (NATS_CREDS) holds the contents of a creds file, not its path.', {
      hint: 'Write the creds to a file (mode 0600) and pass its path.',
    })
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'it does not exist' : `it cannot be read (${code ?? 'error'})`
    throw new LatticeError('CREDS_UNREADABLE', `Cannot use creds file ${file}: ${reason}.`, {
      hint: 'Point --creds (or NATS_CREDS) at a .creds file of a system-account user.',
    })
  }
  const match = text.match(CREDS_RE)
  if (!match) {
    throw new LatticeError(
      'CREDS_INVALID',
      `Creds file ${file} is not a NATS credentials file (it needs a user JWT and a user seed).`,
      {
        hint: 'Generate one with `nsc generate creds` or use the file your operator gave you.',
      },
    )
  }
  try {
    fromSeed(new TextEncoder().encode(match[2])).clear()
  } catch {
    throw new LatticeError(
      'CREDS_INVALID',
      `Creds file ${file} holds a malformed user seed (bad checksum or length).`,
      {
        hint: 'Generate the creds again; the file may have been truncated or edited.',
      },
    )
  }
  assertPrivateFile(file, 'Creds file')
  let user: Credentials['user'] = {}
  try {
    const claims = JSON.parse(Buffer.from(match[1].split('.')[1] ?? '', 'base64url').toString('utf8'))
    user = { publicKey: claims.sub, name: claims.name, account: claims.nats?.issuer_account ?? claims.iss }
  } catch {
    throw new LatticeError('CREDS_INVALID', `Creds file ${file} holds a user JWT that cannot be decoded.`)
  }
  return { file, bytes: new TextEncoder().encode(text), user }
}
