/**
 * The `rollouts:` section of a spec: progressive rollouts declared in the file and run by
 * `lattice rollout -f FILE`, with the same defaults as the command's flags.
 *
 *   rollouts:
 *     - actor: MB...          (or provider: VA... with link, or component: hello)
 *       from: 1.0.0
 *       to: 1.1.0
 *       steps: [10, 25, pause, 50, 100]
 *       interval: 30s
 *       gates:
 *         probe: { payload: '{"ping":1}', maxErrorRate: 1, maxP95Ms: 50 }
 *         command: ./check.sh
 *         webhook: https://ci.example.com/gate
 *         prometheus: { url: http://prom:9090, query: ..., condition: '< 0.05' }
 *       notify: [https://hooks.example.com/rollouts]
 */
import { type Node, isMap, isScalar, isSeq } from 'yaml'
import { isLatticeError } from '../errors.js'
import {
  type ProbeGate,
  type PrometheusGate,
  type RolloutPlan,
  type Step,
  type WebhookGate,
  validatePlan,
} from '../rollout/plan/rollout-plan.js'
import { entityKey } from '../subjects/index.js'
import { analysisOf } from './analysis.js'
import { type Ctx, entityItem, entries, str, versionFor } from './nodes.js'
import { durationOf, notifyOf, numberOf, prometheusOf, webhooksOf } from './rollout-gate-fields.js'

const ROLLOUT_KEYS = [
  'actor',
  'provider',
  'component',
  'service',
  'link',
  'from',
  'to',
  'steps',
  'interval',
  'gates',
  'analysis',
  'notify',
]
const GATE_KEYS = ['probe', 'command', 'webhook', 'prometheus']
const PROBE_KEYS = ['payload', 'count', 'timeout', 'maxErrorRate', 'maxP95Ms', 'errorMargin', 'latencyMarginMs']

export const DEFAULT_STEPS: Step[] = [10, 25, 50, 100]
export const DEFAULT_INTERVAL = '30s'
export const PROBE_DEFAULTS = { count: 20, timeout: '2s', maxErrorRate: 1, errorMargin: 1, latencyMarginMs: 20 }

export function parseRollouts(node: Node, ctx: Ctx): RolloutPlan[] {
  if (!isSeq(node)) {
    ctx.at(
      node,
      'WRONG_TYPE',
      'rollouts must be a list of { actor | provider | component, from, to, steps, interval, gates }.',
    )
    return []
  }
  const plans: RolloutPlan[] = []
  const seen = new Set<string>()
  for (const item of node.items as Node[]) {
    const r = entityItem(item, ROLLOUT_KEYS, 'a rollout', ctx)
    if (!r) continue
    const key = entityKey(r.entity)
    if (seen.has(key))
      ctx.at(
        item,
        'DUPLICATE_ENTITY',
        `${r.entity.kind} ${r.entity.id} has more than one rollout.`,
        'Keep one rollout per entity.',
      )
    seen.add(key)
    const version = (k: 'from' | 'to') => {
      const n = r.fields.get(k)
      if (!n)
        ctx.at(
          item,
          'MISSING_KEY',
          `A rollout needs ${k}.`,
          k === 'from' ? 'Add from: the stable version.' : 'Add to: the new version.',
        )
      return n ? versionFor(r.entity, n, ctx) : undefined
    }
    const [from, to] = [version('from'), version('to')]
    const steps = r.fields.has('steps') ? stepsOf(r.fields.get('steps') as Node, ctx) : DEFAULT_STEPS
    const intervalMs = durationOf(r.fields.get('interval'), DEFAULT_INTERVAL, 'interval', ctx)
    const gates = r.fields.get('gates')
    const gate = gates ? gatesOf(gates, ctx) : {}
    const analysisNode = r.fields.get('analysis')
    const analysis = analysisNode ? analysisOf(analysisNode, ctx) : undefined
    const notifyNode = r.fields.get('notify')
    const notify = notifyNode ? notifyOf(notifyNode, ctx) : []
    if (
      from === undefined ||
      to === undefined ||
      !steps ||
      intervalMs === undefined ||
      !gate ||
      !notify ||
      (analysisNode && !analysis)
    )
      continue
    const plan: RolloutPlan = {
      entity: r.entity,
      from,
      to,
      steps,
      intervalMs,
      ...gate,
      ...(notify.length ? { notify } : {}),
      ...(analysis ? { analysis } : {}),
    }
    try {
      validatePlan(plan)
      plans.push(plan)
    } catch (e) {
      if (!isLatticeError(e)) throw e
      ctx.at(item, 'INVALID_ROLLOUT', e.message, e.hint)
    }
  }
  return plans
}

function stepsOf(node: Node, ctx: Ctx): Step[] | undefined {
  if (!isSeq(node)) {
    ctx.at(node, 'WRONG_TYPE', 'steps must be a list of percents and "pause", e.g. [10, 25, pause, 100].')
    return undefined
  }
  const out: Step[] = []
  for (const s of node.items as Node[]) {
    if (isScalar(s) && (s.value === 'pause' || typeof s.value === 'number')) out.push(s.value as Step)
    else {
      ctx.at(
        s,
        'INVALID_ROLLOUT',
        `Step ${isScalar(s) ? JSON.stringify(s.value) : ''} is neither a percent nor "pause".`,
        'For example [10, 25, pause, 100].',
      )
      return undefined
    }
  }
  return out
}

type Gates = { probe?: ProbeGate; gateCmd?: string; webhooks?: WebhookGate[]; prometheus?: PrometheusGate }

function gatesOf(node: Node, ctx: Ctx): Gates | undefined {
  if (!isMap(node)) {
    ctx.at(node, 'WRONG_TYPE', 'gates must be a mapping with probe, command, webhook and/or prometheus.')
    return undefined
  }
  const g = entries(node, GATE_KEYS, 'gates', ctx)
  const out: Gates = {}
  // Every gate is read (each problem reported) before giving up on any.
  const [hook, prom] = [g.get('webhook'), g.get('prometheus')]
  const webhooks = hook ? webhooksOf(hook, ctx) : []
  const prometheus = prom ? prometheusOf(prom, ctx) : undefined
  if (!webhooks || (prom && !prometheus)) return undefined
  if (webhooks.length) out.webhooks = webhooks
  if (prometheus) out.prometheus = prometheus
  const cmd = g.get('command')
  if (cmd) {
    const c = str(cmd, 'command', ctx)
    if (c === undefined) return undefined
    out.gateCmd = c
  }
  const probeNode = g.get('probe')
  if (probeNode) {
    if (!isMap(probeNode)) {
      ctx.at(probeNode, 'WRONG_TYPE', 'probe must be a mapping, e.g. { payload: "{}", maxErrorRate: 1 }.')
      return undefined
    }
    const p = entries(probeNode, PROBE_KEYS, 'probe', ctx)
    const payloadNode = p.get('payload')
    const payload = payloadNode
      ? str(payloadNode, 'payload', ctx)
      : (ctx.at(probeNode, 'MISSING_KEY', 'A probe needs payload (the request body).', 'Add payload: "{}".'), undefined)
    const timeoutMs = durationOf(p.get('timeout'), PROBE_DEFAULTS.timeout, 'timeout', ctx)
    const nums = {
      count: numberOf(p.get('count'), PROBE_DEFAULTS.count, 'count', ctx, { min: 1, integer: true }),
      maxErrorRate: numberOf(p.get('maxErrorRate'), PROBE_DEFAULTS.maxErrorRate, 'maxErrorRate', ctx, {
        min: 0,
        max: 100,
      }),
      maxP95Ms: numberOf(p.get('maxP95Ms'), undefined, 'maxP95Ms', ctx, { min: 1 }),
      errorMargin: numberOf(p.get('errorMargin'), PROBE_DEFAULTS.errorMargin, 'errorMargin', ctx, { min: 0, max: 100 }),
      latencyMarginMs: numberOf(p.get('latencyMarginMs'), PROBE_DEFAULTS.latencyMarginMs, 'latencyMarginMs', ctx, {
        min: 0,
      }),
    }
    if (payload === undefined || timeoutMs === undefined || Object.values(nums).some((n) => Number.isNaN(n)))
      return undefined
    out.probe = {
      payload,
      timeoutMs,
      count: nums.count as number,
      maxErrorRate: nums.maxErrorRate as number,
      errorMargin: nums.errorMargin as number,
      latencyMarginMs: nums.latencyMarginMs as number,
      ...(nums.maxP95Ms === undefined ? {} : { maxP95Ms: nums.maxP95Ms }),
    }
  }
  return out
}
