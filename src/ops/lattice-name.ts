/**
 * The default server and the lattice name check, apart from session.ts (which loads the key
 * and creds code) so that commands that contact nothing do not load it at start-up.
 */
import { LatticeError } from '../errors.js'
import { quoted, routeTokenProblem } from '../subjects/index.js'

export const DEFAULT_SERVER = 'nats://127.0.0.1:4222'

/** `name` if it is one subject token lattice can map; otherwise INVALID_TOKEN. */
export function checkLatticeName(name: string): string {
  const problem = routeTokenProblem(name)
  if (problem)
    throw new LatticeError('INVALID_TOKEN', `Invalid lattice name ${quoted(name)}: ${problem}.`, {
      hint: 'A lattice name is one NATS subject token, e.g. "default" (see docs/specs.md, Names).',
    })
  return name
}
