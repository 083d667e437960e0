/**
 * The webhook and Prometheus gates of a spec's rollout, its notify list, and the number and
 * duration readers the rollout parser shares with them. Each problem is reported at its line.
 *
 *   gates:
 *     webhook: https://ci.example.com/gate            # or { url, timeout }, or a list of either
 *     prometheus: { url: http://prom:9090, query: 'sum(rate(errors_total{version="{{to}}"}[1m]))', condition: '< 0.05', count: 3, interval: 10s, failureLimit: 1 }
 *   notify: [https://hooks.example.com/rollouts]
 */
import { type Node, isMap, isScalar, isSeq } from 'yaml'
import { isLatticeError } from '../errors.js'
import { parseDuration } from '../plan/duration.js'
import { PROMETHEUS_DEFAULTS, WEBHOOK_DEFAULTS, checkHttpUrl, checkQuery, parseCondition } from '../plan/gate-config.js'
import type { PrometheusGate, WebhookGate } from '../rollout/plan/rollout-plan.js'
import { type Ctx, entries, str } from './nodes.js'

const WEBHOOK_KEYS = ['url', 'timeout']
const PROMETHEUS_KEYS = ['url', 'query', 'condition', 'count', 'interval', 'failureLimit']

/** Run `check` on the node's text; a LatticeError becomes a located problem (undefined). */
function checked<T>(
  node: Node,
  text: string | undefined,
  check: (t: string) => T,
  ctx: Ctx,
  code = 'INVALID_ROLLOUT',
): T | undefined {
  if (text === undefined) return undefined
  try {
    return check(text)
  } catch (e) {
    if (!isLatticeError(e)) throw e
    ctx.at(node, code, e.message, e.hint)
    return undefined
  }
}

export function durationOf(node: Node | undefined, fallback: string, what: string, ctx: Ctx): number | undefined {
  const text = node ? str(node, what, ctx) : fallback
  if (!node) return parseDuration(fallback, what)
  return checked(node, text, (t) => parseDuration(t, what), ctx, 'INVALID_DURATION')
}

export function numberOf(
  node: Node | undefined,
  fallback: number | undefined,
  what: string,
  ctx: Ctx,
  range: { min: number; max?: number; integer?: boolean },
): number | undefined {
  if (!node) return fallback
  const v = isScalar(node) ? node.value : undefined
  if (
    typeof v === 'number' &&
    v >= range.min &&
    (range.max === undefined || v <= range.max) &&
    (!range.integer || Number.isInteger(v))
  )
    return v
  ctx.at(
    node,
    'WRONG_TYPE',
    `${what} must be a ${range.integer ? 'whole ' : ''}number from ${range.min}${range.max === undefined ? ' up' : ` to ${range.max}`}.`,
  )
  return Number.NaN
}

const urlOf = (node: Node, what: string, ctx: Ctx) =>
  checked(node, str(node, what, ctx), (t) => checkHttpUrl(t, what), ctx)

/** webhook: URL | { url, timeout } | a list of either. Undefined when any is wrong. */
export function webhooksOf(node: Node, ctx: Ctx): WebhookGate[] | undefined {
  const items = isSeq(node) ? (node.items as Node[]) : [node]
  const out: WebhookGate[] = []
  let wrong = false
  for (const item of items) {
    if (isMap(item)) {
      const w = entries(item, WEBHOOK_KEYS, 'webhook', ctx)
      const urlNode = w.get('url')
      if (!urlNode) ctx.at(item, 'MISSING_KEY', 'A webhook needs url.', 'Add url: https://...')
      const url = urlNode ? urlOf(urlNode, 'webhook url', ctx) : undefined
      const timeoutMs = durationOf(w.get('timeout'), WEBHOOK_DEFAULTS.timeout, 'webhook timeout', ctx)
      if (url === undefined || timeoutMs === undefined) wrong = true
      else out.push({ url, timeoutMs })
    } else {
      const url = urlOf(item, 'webhook', ctx)
      if (url === undefined) wrong = true
      else out.push({ url, timeoutMs: parseDuration(WEBHOOK_DEFAULTS.timeout, 'timeout') })
    }
  }
  return wrong ? undefined : out
}

export function prometheusOf(node: Node, ctx: Ctx): PrometheusGate | undefined {
  if (!isMap(node)) {
    ctx.at(
      node,
      'WRONG_TYPE',
      'prometheus must be a mapping: { url, query, condition, count, interval, failureLimit }.',
    )
    return undefined
  }
  const p = entries(node, PROMETHEUS_KEYS, 'prometheus', ctx)
  const need = (key: string, hint: string) => {
    const n = p.get(key)
    if (!n) ctx.at(node, 'MISSING_KEY', `The prometheus gate needs ${key}.`, hint)
    return n
  }
  const [urlNode, queryNode, conditionNode] = [
    need('url', 'Add url: http://prometheus:9090.'),
    need('query', 'Add query: a PromQL instant query.'),
    need('condition', 'Add condition: "< 0.05".'),
  ]
  const url = urlNode ? urlOf(urlNode, 'prometheus url', ctx) : undefined
  const query = queryNode
    ? checked(queryNode, str(queryNode, 'query', ctx), (t) => checkQuery(t, 'query'), ctx)
    : undefined
  const condition = conditionNode
    ? checked(conditionNode, str(conditionNode, 'condition', ctx), (t) => (parseCondition(t, 'condition'), t), ctx)
    : undefined
  const intervalMs = durationOf(p.get('interval'), PROMETHEUS_DEFAULTS.interval, 'interval', ctx)
  const count = numberOf(p.get('count'), PROMETHEUS_DEFAULTS.count, 'count', ctx, { min: 1, integer: true })
  const failureLimit = numberOf(p.get('failureLimit'), PROMETHEUS_DEFAULTS.failureLimit, 'failureLimit', ctx, {
    min: 0,
    integer: true,
  })
  if (
    url === undefined ||
    query === undefined ||
    condition === undefined ||
    intervalMs === undefined ||
    Number.isNaN(count) ||
    Number.isNaN(failureLimit)
  )
    return undefined
  return { url, query, condition, count: count as number, intervalMs, failureLimit: failureLimit as number }
}

/** notify: [URL, ...] (or one URL). */
export function notifyOf(node: Node, ctx: Ctx): string[] | undefined {
  const items = isSeq(node) ? (node.items as Node[]) : [node]
  const urls = items.map((n) => urlOf(n, 'notify', ctx))
  return urls.every((u) => u !== undefined) ? (urls as string[]) : undefined
}
