/**
 * The folders of src/ stand in layers: a module imports only from layers below its own, never
 * sideways or up (type-only imports included: types two modules share live in a third). The
 * views (src/views) stand below both the CLI and the dashboard, which import them; the plan
 * below the analysis that judges it (a rollout's plan and records, nested in src/rollout, stand
 * lower than the runner, as the spec, the analysis and every change read them); host-core, the library hosts embed, on the subjects alone.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src', import.meta.url))

/** Top to bottom; the folders (or top-level files) on one line are peers and do not import each other. */
const LAYERS = [
  ['cli', 'dashboard', 'index.ts'],
  ['views', 'notify'],
  ['rollout'],
  ['ops'],
  ['rollout/records'],
  ['spec', 'state', 'traffic', 'services', 'dev'],
  ['analysis'],
  ['resolver'],
  ['auth', 'stats'],
  ['account', 'deadline.ts', 'host-core'],
  ['plan', 'http', 'rollout/plan'],
  ['subjects', 'errors.ts', 'redact.ts', 'suggest.ts'],
]
const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, LAYERS.length - i] as const)))

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  )
}

/** Folders below their parent's layer: a rollout's plan (read by the spec and the analysis) and its records. */
const NESTED = [...layerOf.keys()].filter((n) => n.includes('/'))

/** The place of src/ that a path lies in: a nested folder above, else its top-level folder (or file). */
const placeOf = (file: string) => {
  const rel = relative(SRC, file).split(sep).join('/')
  return NESTED.find((n) => rel.startsWith(`${n}/`)) ?? rel.split('/')[0]
}

/** Each relative import, re-export and dynamic import() of a file, as the .ts file it names. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const statement =
    /^(?:import|export)\s[^;'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|^import\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]/gm
  return [...text.matchAll(statement)].map((m) =>
    resolve(dirname(file), (m[1] ?? m[2] ?? m[3]).replace(/\.js$/, '.ts')),
  )
}

// The dashboard's page runs in the browser and imports only its own files (its own tsconfig).
const files = sources(SRC).filter((f) => !relative(SRC, f).startsWith(join('dashboard', 'page')))

describe('layers of src/', () => {
  it('places every top-level folder and file of src/ in a layer', () => {
    const unplaced = readdirSync(SRC).filter(
      (n) => (n.endsWith('.ts') || !n.includes('.')) && !n.endsWith('.d.ts') && !layerOf.has(n),
    )
    expect(unplaced).toEqual([])
  })
  it('has no import that runs sideways or up', () => {
    const upward: string[] = []
    for (const file of files) {
      const from = placeOf(file)
      for (const target of importsOf(file)) {
        const to = placeOf(target)
        if (to === from || to.startsWith('..')) continue
        if ((layerOf.get(to) ?? 0) >= (layerOf.get(from) ?? 0))
          upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`)
      }
    }
    expect(upward).toEqual([])
  })
  it('keeps host-core on the subjects alone', () => {
    const outside = files
      .filter((f) => placeOf(f) === 'host-core')
      .flatMap((f) =>
        importsOf(f)
          .filter((t) => !['host-core', 'subjects'].includes(placeOf(t)))
          .map((t) => `${relative(SRC, f)} -> ${relative(SRC, t)}`),
      )
    expect(outside).toEqual([])
  })
})
