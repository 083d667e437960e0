/**
 * "This machine" and others for the --without-state tests: each a LATTICE_STATE_DIR of its own,
 * removed after the file. The state is made unreachable for real by giving --state-creds of a
 * user whose account has no JetStream (the system account): opening the bucket fails with
 * STATE_UNAVAILABLE, as it does when its stream is offline.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { LatticeFixture } from './test-lattice.js'

/**
 * Each test runs up to ten CLI commands, and a command that cannot open the state waits up to
 * 5 s for it: on a loaded 2-core machine (the CI) that is more than vitest's 60 s per test.
 */
export const LOADED_MS = 180_000

type Env = Record<string, string>

export interface Machines {
  /** A new machine: its own local state dir. */
  machine(): string
  /** The env of machine `dir` with the state reachable (app creds: JetStream). */
  up(dir: string, extra?: Env): Env
  /** The env of machine `dir` with the state unreachable (system creds: no JetStream). */
  down(dir: string, extra?: Env): Env
  /** The pushes machine `dir` holds, not recorded yet. */
  savedIn(dir: string, account?: string): string[]
}

export function useMachines(t: LatticeFixture): Machines {
  const dirs: string[] = []
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })
  return {
    machine() {
      const dir = mkdtempSync(join(tmpdir(), 'lattice-machine-'))
      dirs.push(dir)
      return dir
    },
    up: (dir, extra = {}) => ({
      ...t.l.env(),
      LATTICE_STATE_CREDS: t.l.appCredsFile,
      LATTICE_STATE_DIR: dir,
      ...extra,
    }),
    down: (dir, extra = {}) => ({
      ...t.l.env(),
      LATTICE_STATE_CREDS: t.l.sysCredsFile,
      LATTICE_STATE_DIR: dir,
      ...extra,
    }),
    savedIn(dir, account = t.l.appAccount) {
      const d = join(dir, 'unrecorded', account)
      try {
        return readdirSync(d)
          .filter((f) => f.endsWith('.json'))
          .map((f) => join(d, f))
      } catch {
        return []
      }
    },
  }
}
