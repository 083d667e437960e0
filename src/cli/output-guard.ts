/**
 * The one place every byte the CLI prints passes through: human text, --json, NDJSON events,
 * warnings, spinners, oclif's own errors and usage. Installed at the CLI entry (src/cli/main.ts)
 * before oclif loads a command, so nothing written through process.stdout / process.stderr can
 * bypass it. Each write is redacted on its own (see src/redact.ts); lattice writes whole lines.
 */
import { redact } from '../redact.js'

const GUARDED = Symbol.for('lattice.output-guard')

type Write = NodeJS.WriteStream['write']

/** Redact everything written to `stream` from now on (idempotent). */
export function guardStream(stream: NodeJS.WriteStream): void {
  const s = stream as NodeJS.WriteStream & { [GUARDED]?: true }
  if (s[GUARDED]) return
  s[GUARDED] = true
  const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  const guarded = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (typeof chunk === 'string') return original(redact(chunk), ...rest)
    if (chunk instanceof Uint8Array) {
      const encoding = typeof rest[0] === 'string' ? rest.slice(1) : rest
      const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8')
      const clean = redact(text)
      return clean === text ? original(chunk, ...rest) : original(clean, 'utf8', ...encoding)
    }
    return original(chunk, ...rest)
  }
  stream.write = guarded as Write
}

export function guardOutput(): void {
  guardStream(process.stdout)
  guardStream(process.stderr)
}
