/**
 * The one place every byte the CLI prints passes through: human text, --json, NDJSON events,
 * warnings, spinners, oclif's own errors and usage. Installed by each entry (src/cli/direct/run.ts,
 * src/cli/fast-help.ts, src/cli/main.ts) before anything is printed, so nothing written through process.stdout / process.stderr can
 * bypass it. Each write is redacted on its own (see src/redact.ts); lattice writes whole lines.
 * Then control characters are made visible (`visible`): text from servers, hosts, webhooks or
 * other tools' mappings cannot retitle, clear or reorder the terminal.
 */
import { redact } from '../redact.js'

/**
 * lattice's own escape sequences, left as they are: colours (SGR), and the in-place views'
 * cursor up, erase below and erase line after a carriage return (spinner, rollout, watch).
 */
// eslint-disable-next-line no-control-regex
const OWN = /\x1b\[[0-9;]*m|\x1b\[\d*A|\x1b\[0?J|\r\x1b\[2?K|\r\n/y
/** Control characters (C0 but newline and tab, DEL, C1), bidi overrides and isolates, zero-width characters. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/

/**
 * `text` with every unsafe character shown as `\uXXXX` (lattice's own sequences kept). The form
 * is JSON's own escape, so --json output (which JSON.stringify has already escaped but for bidi
 * and zero-width characters) parses to exactly the same strings.
 */
export function visible(text: string): string {
  if (!UNSAFE.test(text)) return text
  let out = ''
  for (let i = 0; i < text.length;) {
    OWN.lastIndex = i
    const own = OWN.exec(text)
    if (own) {
      out += own[0]
      i += own[0].length
      continue
    }
    const c = text[i]
    out += UNSAFE.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c
    i++
  }
  return out
}

const clean = (text: string) => visible(redact(text))

const GUARDED = Symbol.for('lattice.output-guard')

type Write = NodeJS.WriteStream['write']

/** Redact everything written to `stream` from now on (idempotent). */
export function guardStream(stream: NodeJS.WriteStream): void {
  const s = stream as NodeJS.WriteStream & { [GUARDED]?: true }
  if (s[GUARDED]) return
  s[GUARDED] = true
  const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  const guarded = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return original(clean(chunk), ...rest)
    if (chunk instanceof Uint8Array) {
      const encoding = typeof rest[0] === 'string' ? rest.slice(1) : rest
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
      const cleaned = clean(text)
      return cleaned === text ? original(chunk, ...rest) : original(cleaned, 'utf8', ...encoding)
    }
    return original(chunk, ...rest)
  }
  stream.write = guarded as Write
}

export function guardOutput(): void {
  guardStream(process.stdout)
  guardStream(process.stderr)
}
