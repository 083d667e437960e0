/**
 * No import circles in lattice's own code (src/, commands/), type-only imports included: types
 * two modules share live in a third. Static imports and re-exports are read from the sources.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [resolve(path)] : []
  })
}

/** Each file's relative imports and re-exports (`import ... from './x.js'`, `export ... from`), as .ts paths. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  const statement = /^(?:import|export)\s[^;'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|^import\s*['"](\.{1,2}\/[^'"]+)['"]/gm
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    graph.set(
      file,
      [...text.matchAll(statement)].map((m) => resolve(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, '.ts'))),
    )
  }
  return graph
}

/** Every circle found by a depth-first walk, each as the files around it. */
function importCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[][] = []
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open')
    path.push(file)
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue
      if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep])
      else if (!state.has(dep)) visit(dep, path)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file, [])
  return cycles
}

describe('imports', () => {
  it('finds a circle when there is one (the check itself)', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ])
    expect(importCycles(graph)).toEqual([['/a.ts', '/b.ts', '/c.ts', '/a.ts']])
  })

  it('reads type-only imports and re-exports too', () => {
    const dir = join(ROOT, 'src', 'ops')
    const graph = importGraph([join(dir, 'change.ts')])
    expect(graph.get(join(dir, 'change.ts'))).toContain(join(dir, 'change-types.ts')) // export type { ... } from
    expect(graph.get(join(dir, 'change.ts'))).toContain(join(dir, 'session.ts')) // import type
  })

  it('src/ and commands/ have none', () => {
    const files = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'commands'))]
    expect(files.length).toBeGreaterThan(100)
    const cycles = importCycles(importGraph(files)).map((c) => c.map((f) => relative(ROOT, f)).join(' -> '))
    expect(cycles).toEqual([])
  })
})
