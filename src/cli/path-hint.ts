/**
 * After the demo: if `lattice` is not a command in this shell yet, say how to make it one
 * (README, Quick start), since every doc uses a bare `lattice`.
 */
import { accessSync, constants, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'

/** Is there an executable `lattice` on PATH? */
export function latticeOnPath(path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false
    try {
      accessSync(join(dir, 'lattice'), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

/** The line to print, or undefined when `lattice` already is a command. */
export function pathHint(script = process.argv[1]): string | undefined {
  if (latticeOnPath() || !script) return undefined
  const bin = dirname(realpathSync(script))
  return `To run lattice as \`lattice\` in this shell: export PATH="${bin}:$PATH" (or add that line to your shell's profile).`
}
