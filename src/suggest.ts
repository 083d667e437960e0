/**
 * "Did you mean": the commands and topics nearest to what was typed, so that a typo such as
 * `lattice shfit actor` points at `shift actor` instead of a bare "not found"; the versions
 * nearest to one nothing runs (`V2` for `v2`); the spec keys nearest to an unknown one.
 */

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

export interface Suggestion {
  /** The words the user typed that stand for the command ("shfit actor"). */
  typed: string
  /** The nearest commands or topics, nearest first ("shift actor"); empty when none is close. */
  matches: string[]
}

/**
 * `words` are the leading non-flag arguments as typed; `names` every command id and topic in
 * their typed form ("shift actor"). A name of k words is compared with the first k words; names
 * that explain more of the words win ("dev upp" is "dev up", not the topic "dev"), then the closest.
 */
export function suggest(words: string[], names: string[]): Suggestion {
  const scored = names
    .map((name) => {
      const k = name.split(' ').length
      if (k > words.length) return undefined
      const typed = words.slice(0, k).join(' ')
      const distance = editDistance(typed, name)
      // Close enough to be a typo: a third of the letters at most (and at least one edit allowed).
      return distance <= Math.max(1, Math.floor(name.length / 3)) ? { name, k, distance, typed } : undefined
    })
    .filter((s) => s !== undefined)
    .sort((a, b) => b.k - a.k || a.distance - b.distance || a.name.localeCompare(b.name))
  if (scored.length === 0) return { typed: words.slice(0, 1).join(' '), matches: [] }
  const best = scored.filter((s) => s.k === scored[0].k && s.distance === scored[0].distance)
  return { typed: best[0].typed, matches: best.slice(0, 3).map((s) => s.name) }
}

/**
 * The names a mistyped `word` most likely meant: those equal to it but for case, else the closest
 * within a typo's distance. Names whose digits differ are other versions, not typos (v3 is not v2).
 */
export function didYouMean(word: string, names: string[]): string[] {
  const others = names.filter((n) => n !== word)
  const sameButCase = others.filter((n) => n.toLowerCase() === word.toLowerCase())
  if (sameButCase.length > 0) return sameButCase.slice(0, 3)
  const digits = (s: string) => s.replace(/\D/g, '')
  const close = others
    .filter((n) => digits(n) === digits(word))
    .map((name) => ({ name, distance: editDistance(word.toLowerCase(), name.toLowerCase()) }))
    .filter((c) => c.distance <= Math.max(1, Math.floor(word.length / 3)))
  const best = Math.min(...close.map((c) => c.distance))
  return close
    .filter((c) => c.distance === best)
    .map((c) => c.name)
    .slice(0, 3)
}
