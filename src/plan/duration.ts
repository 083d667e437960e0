/** Durations as users write them: 500ms, 30s, 10m, 1h, or combined (1m30s). */
import { LatticeError } from '../errors.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

export function parseDuration(text: string, flag: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  const joined = parts.map((p) => p[0]).join('')
  if (parts.length === 0 || joined !== text.trim()) {
    throw new LatticeError('INVALID_DURATION', `${flag} "${text}" is not a duration.`, {
      hint: 'Write a number with a unit: 500ms, 30s, 10m, 1h (or 1m30s).',
    })
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0)
  if (ms <= 0)
    throw new LatticeError('INVALID_DURATION', `${flag} must be longer than 0.`, { hint: 'For example 30s.' })
  return Math.round(ms)
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`.replace(/m0s$/, 'm')
}
