/**
 * The sample blocks of README.md and docs/*.md: fenced blocks that show command output, each
 * preceded by a `<!-- sample: ID -->` line. An ID's first part names its doc (`readme/...` is
 * README.md, `specs/...` is docs/specs.md), so IDs are unique across the docs.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Block {
  file: string
  /** Line index (0-based) of the opening fence. */
  open: number
  close: number
  lang: string
  body: string
  /** The ID of the marker line just above the fence, if any. */
  marker?: string
}

const FENCE = /^(`{3,}|~{3,})(.*)$/
const MARKER = /^<!-- sample: ([\w./-]+) -->$/

/** README.md and every docs/*.md, as paths from the repository's root. */
export function docFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ]
}

export function blocks(file: string, text = readFileSync(join(ROOT, file), 'utf8')): Block[] {
  const lines = text.split('\n')
  const out: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (!open) continue
    let close = i + 1
    while (close < lines.length && !lines[close].startsWith(open[1])) close++
    const marker = i > 0 ? MARKER.exec(lines[i - 1])?.[1] : undefined
    out.push({ file, open: i, close, lang: open[2].trim(), body: lines.slice(i + 1, close).join('\n'), marker })
    i = close
  }
  return out
}

/** A block shows command output: a `$ ` command line, or an error or warning lattice printed. */
export function showsOutput(b: Block): boolean {
  return b.body.split('\n').some((line) => /^\$ /.test(line) || /^(Error \[[A-Z_]+\]|Warning: )/.test(line))
}

export function docOf(id: string): string {
  const doc = id.split('/')[0]
  return doc === 'readme' ? 'README.md' : `docs/${doc}.md`
}

export function findSample(id: string): Block {
  const file = docOf(id)
  const found = blocks(file).filter((b) => b.marker === id)
  if (found.length !== 1) throw new Error(`${file}: ${found.length} blocks marked <!-- sample: ${id} --> (want 1)`)
  return found[0]
}

/** Replace a sample block's body with `body` (read, replace, write at once: one doc's samples are written by one test file). */
export function writeSample(id: string, body: string): void {
  const b = findSample(id)
  const path = join(ROOT, b.file)
  const lines = readFileSync(path, 'utf8').split('\n')
  lines.splice(b.open + 1, b.close - b.open - 1, ...body.replace(/\n+$/, '').split('\n'))
  writeFileSync(path, lines.join('\n'))
}
