/**
 * Deterministic randomness for statistical simulations (never Math.random: a failing seed must
 * fail again), and the exact binomial interval their rates are reported with.
 */
import { logChoose } from '../../src/stats/distributions.js'

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  binomial(n: number, p: number): number
  /** A standard normal draw. */
  normal(): number
}

/** mulberry32: a small 32-bit generator, plenty for simulations of a few million draws. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  /** Inversion through the pmf's recurrence: O(n p) steps, fine for the means simulated here. */
  const binomial = (n: number, p: number): number => {
    if (p > 0.5) return n - binomial(n, 1 - p)
    if (n === 0 || p === 0) return 0
    const u = next()
    let k = 0
    let pmf = (1 - p) ** n
    let cdf = pmf
    while (u >= cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * (p / (1 - p))
      k++
      cdf += pmf
    }
    return k
  }
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return { next, binomial, normal }
}

/** P(X >= k) for X ~ Binomial(n, p). */
function upperTail(k: number, n: number, p: number): number {
  let sum = 0
  for (let i = k; i <= n; i++) sum += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p))
  return sum
}

/** The Clopper-Pearson (exact) two-sided interval for k successes in n, at `confidence`. */
export function clopperPearson(k: number, n: number, confidence = 0.95): [number, number] {
  const tail = (1 - confidence) / 2
  const solve = (f: (p: number) => number) => {
    let lo = 0
    let hi = 1
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2
      if (f(mid) < 0) lo = mid
      else hi = mid
    }
    return (lo + hi) / 2
  }
  const lower = k === 0 ? 0 : solve((p) => upperTail(k, n, p) - tail)
  const upper = k === n ? 1 : solve((p) => tail - (1 - upperTail(k + 1, n, p)))
  return [lower, upper]
}

/** "12 of 2000 (0.60%, 95% CI 0.31-1.05%)". */
export function describeRate(k: number, n: number): string {
  const [lo, hi] = clopperPearson(k, n)
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`
  return `${k} of ${n} (${pct(k / n)}, 95% CI ${pct(lo)}-${pct(hi)})`
}
