/** How the judges write their figures in a verdict's summary. */

export const counts = (c: number, s: number) => `canary ${c} calls, stable ${s}`
export const pct = (v: number) => `${v.toFixed(1)}%`
export const signed = (v: number, digits: number) => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(digits)}`
export const fmtNum = (v: number) => String(Number(v.toPrecision(6)))

/** Milliseconds with the digits that matter at that size. */
export function ms(v: number | null): string {
  if (v === null) return '-'
  const a = Math.abs(v)
  return v.toFixed(a >= 100 ? 0 : a >= 1 || a === 0 ? 1 : a >= 0.1 ? 2 : 3)
}
export const signedMs = (v: number) => `${v >= 0 ? '+' : '-'}${ms(Math.abs(v))}`

export function fmtP(p: number): string {
  return p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(2)))
}
