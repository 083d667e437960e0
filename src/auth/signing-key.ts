/**
 * The key that signs account JWTs: the operator seed or an operator signing key seed, from a
 * file (--signing-key / LATTICE_SIGNING_KEY) or, for CI secrets, the seed itself in
 * LATTICE_SIGNING_KEY_SEED. The seed never appears in any message.
 */
import { readFileSync } from 'node:fs'
import { type KeyPair, fromSeed } from 'nkeys.js'
import { LatticeError } from '../errors.js'
import { assertPrivateFile } from './private-file.js'

export const SIGNING_KEY_SEED_ENV = 'LATTICE_SIGNING_KEY_SEED'

const SEED_KINDS: Record<string, string> = {
  O: 'an operator seed',
  A: 'an account seed',
  U: 'a user seed',
  N: 'a server seed',
  C: 'a cluster seed',
  X: 'a curve seed',
}

export interface SigningKeySource {
  /** Path of a seed file. */
  file?: string
  /** The seed itself (from LATTICE_SIGNING_KEY_SEED). */
  seed?: string
}

const HINT =
  'Point --signing-key (or LATTICE_SIGNING_KEY) at the operator seed file, or put the seed in LATTICE_SIGNING_KEY_SEED.'

export function loadSigningKey(source: SigningKeySource): KeyPair {
  let text: string
  let where: string
  if (source.file) {
    if (looksLikeSeed(source.file)) {
      throw new LatticeError(
        'SIGNING_KEY_INVALID',
        '--signing-key (LATTICE_SIGNING_KEY) holds a seed, not the path of a seed file.',
        {
          hint: 'Put the seed itself in LATTICE_SIGNING_KEY_SEED, or a file path in LATTICE_SIGNING_KEY.',
        },
      )
    }
    where = `signing key file ${source.file}`
    try {
      text = readFileSync(source.file, 'utf8')
    } catch (e) {
      const reason =
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'it does not exist'
          : `it cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`
      throw new LatticeError('SIGNING_KEY_UNREADABLE', `Cannot use ${where}: ${reason}.`, { hint: HINT })
    }
  } else if (source.seed) {
    where = SIGNING_KEY_SEED_ENV
    text = source.seed
  } else {
    throw new LatticeError(
      'SIGNING_KEY_MISSING',
      'No signing key: lattice needs the operator key to sign the account JWT.',
      { hint: HINT },
    )
  }
  const kp = parseOperatorSeed(text, where)
  if (source.file) assertPrivateFile(source.file, 'Signing key file')
  return kp
}

/** The operator key pair in `text` (a bare seed, or a file holding one among other lines). */
export function parseOperatorSeed(text: string, where: string): KeyPair {
  const match = text.match(/\bS[A-Z][A-Z2-7]{56}\b/)
  if (!match)
    throw new LatticeError(
      'SIGNING_KEY_INVALID',
      `${capitalise(where)} holds no nkey seed (expected a line starting with "SO").`,
      { hint: HINT },
    )
  let kp: KeyPair
  try {
    kp = fromSeed(new TextEncoder().encode(match[0]))
  } catch {
    throw new LatticeError(
      'SIGNING_KEY_INVALID',
      `${capitalise(where)} holds a malformed seed (bad checksum or length).`,
      { hint: HINT },
    )
  }
  const kind = match[0][1]
  if (kind !== 'O') {
    throw new LatticeError(
      'SIGNING_KEY_INVALID',
      `${capitalise(where)} holds ${SEED_KINDS[kind] ?? `a seed of kind "${kind}"`}; account JWTs are signed by the operator.`,
      {
        hint: 'Use the operator seed or an operator signing key seed (it starts with "SO").',
      },
    )
  }
  return kp
}

/** True when `text` contains an nkey seed (so it must never be echoed). */
export function looksLikeSeed(text: string): boolean {
  return /S[A-Z][A-Z2-7]{56}/.test(text)
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
