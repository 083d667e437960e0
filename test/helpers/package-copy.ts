/** Copies of the built package, as an install would lay it out, for tests that change one file. */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Make copies with `copy()`; `removeAll()` (in afterAll) deletes them. */
export function packageCopies(prefix: string): { copy: () => string; removeAll: () => void } {
  const dirs: string[] = []
  return {
    /** bin, dist, package.json and the manifest copied (new mtimes, as npm gives them), node_modules linked. */
    copy() {
      const dir = mkdtempSync(join(tmpdir(), prefix))
      dirs.push(dir)
      for (const f of ['bin', 'dist', 'package.json', 'oclif.manifest.json'])
        cpSync(join(ROOT, f), join(dir, f), { recursive: true })
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
      return dir
    },
    removeAll() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
    },
  }
}
