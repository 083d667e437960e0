/**
 * The version of the nats-server under test (LATTICE_NATS_SERVER, else the one on PATH), so a
 * test asserts what THAT version does where versions differ.
 */
import { execFileSync } from 'node:child_process'
import { parseVersion } from '../../src/plan/server-rules.js'
import { NATS_SERVER } from './nats-server.js'

let cached: string | undefined

/** "2.10.27" for a binary that prints "nats-server: v2.10.27". */
export function serverVersion(): string {
  if (cached) return cached
  const out = execFileSync(NATS_SERVER, ['--version'], { encoding: 'utf8' })
  const m = /v?(\d+\.\d+\.\d+)/.exec(out)
  if (!m) throw new Error(`cannot read the version of ${NATS_SERVER} from "${out.trim()}"`)
  cached = m[1]
  return cached
}

/** Is the server under test at least `min` ("2.10.18")? */
export function serverAtLeast(min: string): boolean {
  const v = parseVersion(serverVersion())
  const m = parseVersion(min)
  if (!v || !m) throw new Error(`bad version ${min}`)
  for (let i = 0; i < 3; i++) if (v[i] !== m[i]) return v[i] > m[i]
  return true
}
