/** Rewriting a spec file's `live:` (what `lattice swap` records in the file). */
import { isMap, isScalar, parse, type Scalar } from 'yaml'
import { LatticeError } from '../errors.js'
import { type Spec, parseSpec } from './parse.js'

/**
 * The spec's text with `live:` set to `env`: only the value's characters change, so comments,
 * quoting and layout stay byte for byte (the Document's own toString would re-wrap long lines).
 */
export function withLive(spec: Spec, env: string): string {
  const root = spec.document.contents
  const pair = isMap(root) ? root.items.find((p) => isScalar(p.key) && p.key.value === 'live') : undefined
  const value = pair?.value as Scalar | null | undefined
  const plain = /^[A-Za-z][A-Za-z0-9_-]*$/.test(env) && parse(env) === env
  const quoted = plain ? env : JSON.stringify(env)
  const range =
    value &&
    isScalar(value) &&
    (value.type === 'PLAIN' || value.type === 'QUOTE_DOUBLE' || value.type === 'QUOTE_SINGLE')
      ? value.range
      : undefined
  const text = range
    ? spec.text.slice(0, range[0]) + quoted + spec.text.slice(range[1])
    : `${spec.text}${spec.text.length === 0 || spec.text.endsWith('\n') ? '' : '\n'}live: ${quoted}\n`
  // Never write a file that does not read back as the same spec with the new live.
  let check: Spec | undefined
  try {
    check = parseSpec(text, spec.file)
  } catch {
    check = undefined
  }
  if (!check || check.live !== env) {
    throw new LatticeError(
      'SPEC_INVALID',
      `Cannot set live: ${env} in ${spec.file} without changing its meaning (unusual layout of the live key).`,
      {
        hint: `Write live: ${env} as a plain line at the top level of the file, then run again.`,
      },
    )
  }
  return text
}
