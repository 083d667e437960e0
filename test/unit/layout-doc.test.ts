/**
 * docs/development.md's Layout names every folder of the project (and every file at the top of
 * src/) on a line of its own, and no line names one that is gone: a newcomer's map stays true.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const doc = readFileSync(join(ROOT, 'docs/development.md'), 'utf8')
const section = doc.slice(doc.indexOf('## Layout'), doc.indexOf('\n## ', doc.indexOf('## Layout') + 1))
/** The path each line of the section starts with: "- `src/plan/` weight arithmetic..." */
const listed = [...section.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1].replace(/\/$/, ''))

const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${dir}/${e.name}`)
const expected = [
  'bin',
  'commands',
  'bench',
  'scripts',
  'examples',
  'docs',
  ...folders('src'),
  ...readdirSync(join(ROOT, 'src'))
    .filter((n) => n.endsWith('.ts'))
    .map((n) => `src/${n}`),
  ...folders('test'),
]

describe('docs/development.md Layout', () => {
  it('has a line for every folder of the project and every file at the top of src/', () => {
    expect(expected.filter((p) => !listed.includes(p))).toEqual([])
  })
  it('names nothing that is gone, and each once', () => {
    expect(listed.filter((p) => !existsSync(join(ROOT, p)))).toEqual([])
    expect(listed.filter((p, i) => listed.indexOf(p) !== i)).toEqual([])
  })
})
