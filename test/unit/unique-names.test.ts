/**
 * No two source files under src/ share a base name, so a name found in a stack trace, an
 * import or a review points at one file. index.ts is exempt: it is a folder's entry point
 * (the package's `.` and `./host-core` exports, the subject module's face), named for that role.
 */
import { readdirSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|js|mjs|cjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  )
}

it('no two files under src/ share a base name (index.ts aside)', () => {
  const byName = new Map<string, string[]>()
  for (const file of sources(join(ROOT, 'src'))) {
    const name = basename(file).replace(/\.d\.ts$|\.[cm]?[jt]s$/, '')
    if (name === 'index') continue
    byName.set(name, [...(byName.get(name) ?? []), relative(ROOT, file)])
  }
  expect([...byName.values()].filter((files) => files.length > 1)).toEqual([])
})
