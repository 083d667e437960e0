/** docs/benchmarks.md: a bench run rewrites only the sections it measured (bench/doc.ts). */
import { describe, expect, it } from 'vitest'
import { updatedDoc } from '../../bench/doc.js'

const DOC = `# Benchmarks

Intro, by hand.

## What changed because of these numbers

- a note by hand

## Start-up

old start-up table

## Compile and sign

old compile table
`

describe('updatedDoc', () => {
  it('replaces the measured section in place and keeps every other line as written', () => {
    const out = updatedDoc(DOC, [{ title: 'Start-up', text: '## Start-up\n\nnew start-up table' }])
    expect(out).toBe(DOC.replace('old start-up table', 'new start-up table'))
  })

  it('appends a section the file does not have yet, and leaves a file with nothing measured as it was', () => {
    const out = updatedDoc(DOC, [{ title: 'Observing traffic', text: '## Observing traffic\n\nnew' }])
    expect(out).toBe(`${DOC}\n## Observing traffic\n\nnew\n`)
    expect(updatedDoc(DOC, [])).toBe(DOC)
  })
})
