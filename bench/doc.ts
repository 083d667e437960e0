/**
 * docs/benchmarks.md is written by hand and by `npm run bench`: a run replaces the sections it
 * measured (a `## title` and everything up to the next one) and appends new ones; every other
 * line stays as written.
 */
export function updatedDoc(doc: string, measured: { title: string; text: string }[]): string {
  const [head, ...blocks] = doc.split(/^(?=## )/m)
  const titleOf = (block: string) => block.slice(3, block.indexOf('\n') === -1 ? undefined : block.indexOf('\n')).trim()
  const fresh = new Map(measured.map((m) => [m.title, `${m.text.trimEnd()}\n\n`]))
  const out = blocks.map((block) => {
    const text = fresh.get(titleOf(block))
    fresh.delete(titleOf(block))
    return text ?? `${block.trimEnd()}\n\n`
  })
  return `${[head, ...out, ...fresh.values()].join('').trimEnd()}\n`
}
