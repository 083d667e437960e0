/**
 * JSON for JWT claims without passing numbers through doubles. Claims carry 64-bit integers
 * (limits at MaxInt64, thresholds) that JSON.parse rounds, and the server rejects a rounded
 * MaxInt64. A number whose text a double would not give back unchanged (past 2^53, `1e3`,
 * `1.50`, `-0`) is kept as a JsonNumber holding that text and written back verbatim; every
 * other value is the plain one JSON.parse gives, so code reading claims sees ordinary objects.
 */

/** A JSON number kept as its source text. Arithmetic and comparisons see its (rounded) value. */
export class JsonNumber {
  constructor(readonly text: string) {}
  valueOf(): number {
    return Number(this.text)
  }
  toString(): string {
    return this.text
  }
  /** Plain JSON.stringify (e.g. --json output) gets the exact text where Node can emit it. */
  toJSON(): unknown {
    const raw = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON
    return raw ? raw(this.text) : Number(this.text)
  }
}

// In valid JSON, outside strings, a run starting with a digit or "-" is a number.
const STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|(-?\d[\d.eE+-]*)/g

/** Parse `text` as JSON.parse does (same errors, same values), keeping inexact numbers as JsonNumber. */
export function parseLossless(text: string): unknown {
  const value: unknown = JSON.parse(text)
  const inexact: string[] = []
  let marked = ''
  let from = 0
  // Each inexact number becomes a string "\u0000<n>#<i>", escaped as JSON must write NUL: no
  // string of the original can read as a marker once its text does not contain that escape.
  let n = 0
  while (text.includes(`\\u0000${n}#`)) n++
  for (const m of text.matchAll(STRING_OR_NUMBER)) {
    const num = m[1]
    if (num === undefined || String(Number(num)) === num) continue
    marked += `${text.slice(from, m.index)}"\\u0000${n}#${inexact.length}"`
    inexact.push(num)
    from = (m.index ?? 0) + num.length
  }
  if (inexact.length === 0) return value
  const tag = `\u0000${n}#`
  const restore = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith(tag) ? new JsonNumber(inexact[Number(v.slice(tag.length))]) : v
    if (v === null || typeof v !== 'object') return v
    const o = v as Record<string, unknown>
    // An own "__proto__" (JSON.parse makes one) shadows the accessor, so assignment stays own.
    const keys = Array.isArray(v) ? undefined : Object.keys(v)
    for (let i = 0, n = keys ? keys.length : (v as unknown[]).length; i < n; i++) {
      const k = keys ? keys[i] : i
      const x = o[k]
      if (typeof x === 'object' || (typeof x === 'string' && x.startsWith(tag))) o[k] = restore(x)
    }
    return v
  }
  return restore(JSON.parse(marked + text.slice(from)))
}

/** JSON.stringify (compact) that writes each JsonNumber's text as it was read. */
export function stringifyLossless(value: unknown): string {
  return write(value) ?? 'null'
}

function write(v: unknown): string | undefined {
  if (v instanceof JsonNumber) return v.text
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON: () => unknown }).toJSON())
  if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`
  const fields: string[] = []
  for (const [k, x] of Object.entries(v)) {
    const text = write(x)
    if (text !== undefined) fields.push(`${JSON.stringify(k)}:${text}`)
  }
  return `{${fields.join(',')}}`
}
