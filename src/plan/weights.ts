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

export function parseWeight(text: string): number {
  const trimmed = text.trim()
  const weight = /^-?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN
  const problem = Number.isNaN(weight) ? `"${text}" is not a whole number` : weightProblem(weight)
  if (problem) throw new LatticeError('INVALID_WEIGHT', `Invalid weight: ${problem}.`, { hint: 'Pass --weight as a whole number from 0 to 100, e.g. --weight 30.' })
  return weight
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
  const parts = entries.map(([version, w], index) => {
    const exact = (w * total) / sum
    return { version, w, index, floor: Math.floor(exact), frac: exact - Math.floor(exact) }
  })
  let leftover = total - parts.reduce((a, p) => a + p.floor, 0)
  const order = [...parts].sort((a, b) => b.frac - a.frac || b.w - a.w || a.index - b.index)
  for (const p of order) {
    if (leftover === 0) break
    p.floor += 1
    leftover -= 1
  }
  return Object.fromEntries(parts.filter((p) => p.floor > 0).map((p) => [p.version, p.floor]))
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
  const problem = weightProblem(weight)
  if (problem) throw new LatticeError('INVALID_WEIGHT', `Invalid weight: ${problem}.`, { hint: 'Pass --weight as a whole number from 0 to 100.' })
  const base: Weights = { ...(current ?? {}) }

  if (from !== undefined) {
    if (from === to) throw new LatticeError('INVALID_SHIFT', `--from and --to are both "${to}".`, { hint: 'Name two different versions.' })
    const others = Object.fromEntries(Object.entries(base).filter(([v]) => v !== to && v !== from))
    const rest = 100 - weight - sumWeights(others)
    if (rest < 0) {
      const held = Object.entries(others).map(([v, w]) => `${v} ${w}%`).join(', ')
      throw new LatticeError('INVALID_SHIFT', `Cannot give ${to} ${weight}% by taking traffic only from ${from}: other versions hold ${held}.`, {
        hint: `Use at most --weight ${100 - sumWeights(others)}, or leave out --from to scale every other version down.`,
      })
    }
    return ordered(base, { ...others, [from]: rest, [to]: weight })
  }

  const others = Object.fromEntries(Object.entries(base).filter(([v, w]) => v !== to && w > 0))
  if (weight === 100) return { [to]: 100 }
  if (Object.keys(others).length === 0) {
    const why = current === undefined ? 'there is no mapping yet' : `${to} is the only version in the mapping`
    throw new LatticeError('MISSING_FROM', `Cannot give ${to} ${weight}%: ${why}, so the other ${100 - weight}% has nowhere to go.`, {
      hint: `Pass --from <version> to name the version that keeps the other ${100 - weight}%.`,
    })
  }
  return ordered(base, { ...scaleWeights(others, 100 - weight), [to]: weight })
}

/** `next` without zero entries, in the order versions had in `prev`, new ones after. */
function ordered(prev: Weights, next: Weights): Weights {
  const out: Weights = {}
  for (const v of [...Object.keys(prev), ...Object.keys(next)]) {
    if (next[v] > 0 && !(v in out)) out[v] = next[v]
  }
  return out
}

export function sameWeights(a: Weights | undefined, b: Weights | undefined): boolean {
  const ea = Object.entries(a ?? {}).filter(([, w]) => w > 0)
  const eb = Object.entries(b ?? {}).filter(([, w]) => w > 0)
  return ea.length === eb.length && ea.every(([v, w]) => (b ?? {})[v] === w)
}
