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

const TOKEN = /[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)|([{}[\],:]|true|false|null))/y

/** Parse `text` as JSON.parse does (same errors, same values), keeping inexact numbers as JsonNumber. */
export function parseLossless(text: string): unknown {
  JSON.parse(text) // well-formedness, with JSON.parse's own error; the walk below trusts it
  const token = new RegExp(TOKEN)
  const next = (): { str?: string; num?: string; punct?: string } => {
    const m = token.exec(text)
    if (!m) throw new SyntaxError(`unexpected JSON at ${token.lastIndex}`)
    return { str: m[1], num: m[2], punct: m[3] }
  }
  const string = (s: string): string => (s.includes('\\') ? (JSON.parse(s) as string) : s.slice(1, -1))
  const value = (t = next()): unknown => {
    if (t.str !== undefined) return string(t.str)
    if (t.num !== undefined) return String(Number(t.num)) === t.num ? Number(t.num) : new JsonNumber(t.num)
    switch (t.punct) {
      case 'true':
        return true
      case 'false':
        return false
      case 'null':
        return null
      case '[': {
        const out: unknown[] = []
        for (let u = next(); u.punct !== ']'; u = next()) if (u.punct !== ',') out.push(value(u))
        return out
      }
      default: {
        const out: Record<string, unknown> = {}
        for (let u = next(); u.punct !== '}'; u = next()) {
          if (u.punct === ',') continue
          next() // the colon
          // defineProperty: a "__proto__" key is an own field, as JSON.parse makes it.
          Object.defineProperty(out, string(u.str as string), { value: value(), enumerable: true, writable: true, configurable: true })
        }
        return out
      }
    }
  }
  return value()
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
