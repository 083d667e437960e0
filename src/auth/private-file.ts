/**
 * A file that holds a seed (a signing key, creds) must be readable by its owner alone, as ssh
 * insists for private keys: one that group or others can read has already leaked to them.
 * LATTICE_ALLOW_OPEN_KEYS=1 lets lattice use such a file anyway (a secret a CI system mounts
 * with a mode it chose). Not checked on Windows, whose files have no such mode bits.
 */
import { statSync } from 'node:fs'
import { LatticeError } from '../errors.js'

export const ALLOW_OPEN_KEYS_ENV = 'LATTICE_ALLOW_OPEN_KEYS'

export function assertPrivateFile(file: string, what: string, env = process.env): void {
  if (process.platform === 'win32' || env[ALLOW_OPEN_KEYS_ENV] === '1') return
  let mode: number
  try {
    mode = statSync(file).mode & 0o777
  } catch {
    return // read just before: a file gone since fails where it is used
  }
  if ((mode & 0o077) === 0) return
  const who = [mode & 0o070 ? 'its group' : '', mode & 0o007 ? 'everyone' : ''].filter(Boolean).join(' and ')
  throw new LatticeError(
    'KEY_FILE_OPEN',
    `${what} ${file} holds a seed and ${who} may read it (mode ${mode.toString(8).padStart(4, '0')}): lattice does not use a secret others can read.`,
    {
      hint: `Make it private: chmod 600 ${file} (and consider the key exposed). To use it as it is, set ${ALLOW_OPEN_KEYS_ENV}=1.`,
      details: { file, mode: mode.toString(8).padStart(4, '0') },
    },
  )
}
