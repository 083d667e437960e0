/**
 * Files this machine keeps for the emergency path (pushes made --without-state, and a rollout
 * runner's copy of its record): under $LATTICE_STATE_DIR, else $XDG_STATE_HOME/lattice, else
 * ~/.local/state/lattice. Private to the user (dir 0700, files 0600); written whole (a temp
 * file renamed), so a reader never sees half a record. Never a seed: records are redacted.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { redactDeep } from '../redact.js'

export function localStateDir(env = process.env): string {
  if (env.LATTICE_STATE_DIR) return env.LATTICE_STATE_DIR
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'lattice')
}

/** `<state dir>/<parts...>`, created (0700) when `create`. */
export function localDir(parts: string[], create = false, env = process.env): string {
  const dir = join(localStateDir(env), ...parts)
  if (create) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700)
  }
  return dir
}

export function writePrivateJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(redactDeep(value), null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, file)
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

/** The .json files of a directory, sorted by name (none when it does not exist). */
export function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f))
  } catch {
    return []
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true })
}
