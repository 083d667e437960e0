/**
 * A rollout's `analysis:` in a spec: the same settings as the `--analysis-*` flags, by their
 * camelCase names, plus `mode` (auto, on, off, dry-run), `judge` (fixed, sequential) and
 * `earlyPromote` (true, with judge sequential). `analysis: off` is short for mode off.
 *
 *   analysis:
 *     mode: on
 *     minCalls: 100
 *     latencyTolerance: 10%
 *     critical: [error-rate, latency]
 */
import { type Node, isMap, isScalar, isSeq } from 'yaml'
import { ANALYSIS_SETTINGS, type AnalysisInput, analysisPlan } from '../analysis/options.js'
import { isLatticeError } from '../errors.js'
import type { AnalysisPlan } from '../rollout/plan/rollout-plan.js'
import { type Ctx, entries } from './nodes.js'

const KEYS = ['mode', 'judge', 'earlyPromote', ...Object.keys(ANALYSIS_SETTINGS)]

/** The plan, or undefined after reporting each problem at its line. */
export function analysisOf(node: Node, ctx: Ctx): AnalysisPlan | undefined {
  if (isScalar(node) && (node.value === 'off' || node.value === false))
    return analysisPlan({ mode: 'off' }, (k) => `analysis.${k}`)
  if (!isMap(node)) {
    ctx.at(
      node,
      'WRONG_TYPE',
      'analysis must be a mapping of settings (e.g. { minCalls: 100, latencyTolerance: 10% }) or off.',
    )
    return undefined
  }
  const input: Record<string, string | number | string[] | boolean> = {}
  let ok = true
  for (const [key, value] of entries(node, KEYS, 'analysis', ctx)) {
    if (isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number'))
      input[key] = value.value
    else if (key === 'earlyPromote' && isScalar(value) && typeof value.value === 'boolean') input[key] = value.value
    else if (key === 'critical' && isSeq(value))
      input[key] = (value.items as Node[]).map((i) => String(isScalar(i) ? i.value : ''))
    else {
      ctx.at(
        value,
        'WRONG_TYPE',
        `analysis.${key} must be ${key === 'critical' ? 'a list of metrics' : 'a number or a word'}.`,
      )
      ok = false
    }
  }
  if (!ok) return undefined
  try {
    return analysisPlan(input as AnalysisInput, (k) => `analysis.${k}`)
  } catch (e) {
    if (!isLatticeError(e)) throw e
    const key = String(e.message.split(' ')[0]).replace(/^analysis\./, '')
    const at = [...node.items].find((p) => isScalar(p.key) && p.key.value === key)
    ctx.at((at?.value ?? node) as Node, 'INVALID_ROLLOUT', e.message, e.hint)
    return undefined
  }
}
