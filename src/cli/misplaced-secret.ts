/**
 * No flag, argument or flag-backing env var of lattice takes a seed or creds content on the
 * command line (--signing-key and the creds flags take FILE paths; the seed itself goes in
 * LATTICE_SIGNING_KEY_SEED, which is no flag). One pasted there is refused before anything uses
 * it: no DNS lookup, no connection, no subject or version built from it. The error names the
 * place, never the value.
 */
import { LatticeError } from '../errors.js'
import { type SecretKind, secretIn } from '../redact.js'

export interface FlagShape {
  char?: string
  type: string
  env?: string
}

export interface Misplaced {
  /** `--server`, `NATS_URL (--server)`, `argument ID`, `the command line`. */
  where: string
  flag?: string
  kind: SecretKind
}

/** The first secret on `argv` or in an env var backing one of `flags`, and where it is. */
export function findMisplacedSecret(
  argv: string[],
  flags: Record<string, FlagShape>,
  argNames: string[],
  env: NodeJS.ProcessEnv = process.env,
): Misplaced | undefined {
  const byChar = new Map(Object.entries(flags).flatMap(([name, f]) => (f.char ? [[f.char, name] as const] : [])))
  const takesValue = (name: string | undefined) => name !== undefined && flags[name]?.type === 'option'
  let positional = 0
  let rest = false
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    const flagAt = (name: string | undefined, value: string | undefined): Misplaced | undefined => {
      const kind = value === undefined ? undefined : secretIn(value)
      return kind ? { where: name && flags[name] ? `--${name}` : 'the command line', flag: name, kind } : undefined
    }
    if (!rest && token === '--') {
      rest = true
      continue
    }
    // "-----BEGIN NATS USER JWT-----": pasted creds content, not a flag.
    const flagLike = !rest && token.startsWith('-') && !token.startsWith('---')
    if (flagLike && token.startsWith('--')) {
      const eq = token.indexOf('=')
      const name = token.slice(2, eq < 0 ? undefined : eq)
      const found = eq >= 0 ? flagAt(name, token.slice(eq + 1)) : takesValue(name) ? flagAt(name, argv[++i]) : undefined
      if (found) return found
      if (secretIn(name)) return { where: 'the command line', kind: secretIn(name)! }
      continue
    }
    if (flagLike && token.length > 1) {
      const name = byChar.get(token[1])
      const found = takesValue(name)
        ? flagAt(name, token.length > 2 ? token.slice(2).replace(/^=/, '') : argv[++i])
        : undefined
      if (found) return found
      const kind = secretIn(token)
      if (kind) return { where: 'the command line', kind }
      continue
    }
    const kind = secretIn(token)
    const name = argNames[positional++]
    if (kind) return { where: name ? `argument ${name.toUpperCase()}` : 'an argument', kind }
  }
  for (const [name, f] of Object.entries(flags)) {
    const value = f.env ? env[f.env] : undefined
    const kind = value === undefined ? undefined : secretIn(value)
    if (kind) return { where: `${f.env} (--${name})`, flag: name, kind }
  }
  return undefined
}

const CREDS_FLAGS = new Set(['creds', 'state-creds', 'app-creds'])

/** The error for a misplaced secret: where it was, what belongs there, never the value. */
export function misplacedSecretError(m: Misplaced): LatticeError {
  const what = m.kind === 'creds' ? 'the contents of a creds file' : 'an nkey seed'
  const hint =
    m.flag === 'signing-key'
      ? 'Pass the path of the seed file, or put the seed itself in LATTICE_SIGNING_KEY_SEED.'
      : m.flag && CREDS_FLAGS.has(m.flag)
        ? 'Write the creds to a file (mode 0600) and pass its path.'
        : 'No flag or argument of lattice takes a seed: check what was pasted there. Seeds belong in files (--signing-key FILE, creds files) or in LATTICE_SIGNING_KEY_SEED.'
  return new LatticeError(
    'SEED_MISPLACED',
    `${m.where.charAt(0).toUpperCase()}${m.where.slice(1)} holds ${what}, which does not belong there; nothing was used or sent.`,
    {
      hint,
      details: { where: m.where, kind: m.kind },
    },
  )
}

/** Throw SEED_MISPLACED for the first secret found (see findMisplacedSecret). */
export function refuseMisplacedSecrets(
  argv: string[],
  flags: Record<string, FlagShape>,
  argNames: string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const m = findMisplacedSecret(argv, flags, argNames, env)
  if (m) throw misplacedSecretError(m)
}
