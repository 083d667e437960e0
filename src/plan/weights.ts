/**
 * Weight arithmetic. A weight set maps version -> integer percent; every set we produce sums to
 * exactly 100 and holds no zero entries (weight 0 means "not in the mapping").
 */
import { LatticeError } from '../errors.js'

export type Weights = Record<string, number>

export function weightProblem(weight: number): string | undefined {
  if (!Number.isInteger(weight)) return `${weight} is not a whole number`
  if (weight < 0 || weight > 100) return `${weight} is outside 0..100`
  return undefined
}

/** Throws INVALID_WEIGHT unless `weight` is a whole number in 0..100; the error names `flag`, the flag it came from. */
export function assertWeight(weight: number, text = String(weight), flag = '--weight'): number {
  const problem = Number.isNaN(weight) ? `"${text}" is not a whole number` : weightProblem(weight)
  if (problem)
    throw new LatticeError('INVALID_WEIGHT', `Invalid ${flag}: ${problem}.`, {
      hint: `Pass ${flag} as a whole number from 0 to 100, e.g. ${flag} 30.`,
    })
  return weight
}

/** A percent typed on the command line as `flag` (--weight, --drop, --steps). */
export function parseWeight(text: string, flag = '--weight'): number {
  const trimmed = text.trim()
  return assertWeight(/^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN, text, flag)
}

export function sumWeights(weights: Weights): number {
  return Object.values(weights).reduce((a, b) => a + b, 0)
}

/**
 * Scale `weights` so they sum to `total`, keeping their relative shares. Largest-remainder
 * rounding; ties go to the larger original weight, then to the earlier entry (deterministic).
 */
export function scaleWeights(weights: Weights, total: number): Weights {
  const entries = Object.entries(weights)
  const sum = sumWeights(weights)
  if (sum === 0) throw new Error('cannot scale an empty weight set')
  // Integer arithmetic: share = floor(w * total / sum), remainder (w * total) % sum; no float noise.
  const parts = entries.map(([version, w], index) => ({
    version,
    w,
    index,
    share: Math.floor((w * total) / sum),
    rem: (w * total) % sum,
  }))
  let leftover = total - parts.reduce((a, p) => a + p.share, 0)
  const order = [...parts].sort((a, b) => b.rem - a.rem || b.w - a.w || a.index - b.index)
  for (const p of order) {
    if (leftover === 0) break
    p.share += 1
    leftover -= 1
  }
  return Object.fromEntries(parts.filter((p) => p.share > 0).map((p) => [p.version, p.share]))
}

/** The weight of `version` in `weights` (0 when absent; safe for names like "constructor"). */
export function weightOf(weights: Weights | null | undefined, version: string): number {
  return weights && Object.hasOwn(weights, version) ? weights[version] : 0
}

export interface ShiftRequest {
  to: string
  weight: number
  from?: string
}

/**
 * The weights after giving `to` exactly `weight` percent.
 * With `from`, every other version keeps its weight and `from` takes the remainder.
 * Without it, the other versions keep their relative shares of the remainder.
 */
export function shiftWeights(current: Weights | undefined, req: ShiftRequest): Weights {
  const { to, weight, from } = req
  assertWeight(weight)
  const base: Weights = { ...(current ?? {}) }
  const others = (exclude: string[]) =>
    Object.fromEntries(Object.entries(base).filter(([v, w]) => !exclude.includes(v) && w > 0))

  if (from !== undefined) {
    if (from === to)
      throw new LatticeError('INVALID_SHIFT', `--from and --to are both "${to}".`, {
        hint: 'Name two different versions.',
      })
    const kept = others([to, from])
    const rest = 100 - weight - sumWeights(kept)
    if (rest < 0) {
      const held = Object.entries(kept)
        .map(([v, w]) => `${v} ${w}%`)
        .join(', ')
      throw new LatticeError(
        'INVALID_SHIFT',
        `Cannot give ${to} ${weight}% by taking traffic only from ${from}: other versions hold ${held}.`,
        {
          hint: `Use at most --weight ${100 - sumWeights(kept)}, or leave out --from to scale every other version down.`,
        },
      )
    }
    return ordered(base, Object.fromEntries([...Object.entries(kept), [from, rest], [to, weight]]))
  }

  const rest = others([to])
  if (weight === 100) return Object.fromEntries([[to, 100]])
  if (Object.keys(rest).length === 0) {
    const why = current === undefined ? 'there is no mapping yet' : `${to} is the only version in the mapping`
    throw new LatticeError(
      'MISSING_FROM',
      `Cannot give ${to} ${weight}%: ${why}, so the other ${100 - weight}% has nowhere to go.`,
      {
        hint: `Pass --from <version> to name the version that keeps the other ${100 - weight}%.`,
      },
    )
  }
  return ordered(base, Object.fromEntries([...Object.entries(scaleWeights(rest, 100 - weight)), [to, weight]]))
}

/** `next` without zero entries, in the order versions had in `prev`, new ones after. */
function ordered(prev: Weights, next: Weights): Weights {
  const versions = new Set([...Object.keys(prev), ...Object.keys(next)])
  return Object.fromEntries([...versions].filter((v) => weightOf(next, v) > 0).map((v) => [v, next[v]]))
}

export function sameWeights(a: Weights | undefined, b: Weights | undefined): boolean {
  const ea = Object.entries(a ?? {}).filter(([, w]) => w > 0)
  const eb = Object.entries(b ?? {}).filter(([, w]) => w > 0)
  return ea.length === eb.length && ea.every(([v, w]) => weightOf(b, v) === w)
}

/** Weights as text: "v1 70%, v2 30%". */
export const describeWeights = (w: Weights) =>
  Object.entries(w)
    .map(([v, x]) => `${v} ${x}%`)
    .join(', ')
