/**
 * Checks of what the webhook and Prometheus gates (and notification receivers) are given, made
 * when the flags or the spec are read: URLs (http/https, no credentials), Prometheus conditions
 * (an operator and a number, parsed here: nothing is ever evaluated) and query placeholders.
 */
import { LatticeError } from '../errors.js'

export const WEBHOOK_DEFAULTS = { timeout: '10s' }
export const PROMETHEUS_DEFAULTS = { count: 1, interval: '10s', failureLimit: 0 }

const bad = (message: string, hint: string) => new LatticeError('INVALID_ROLLOUT', message, { hint })

/** `text` if it is an http(s) URL without a user or password; `where` names the flag or spec key. */
export function checkHttpUrl(text: string, where: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw bad(`${where} "${text}" is not a URL.`, 'Give a full URL such as https://ci.example.com/hooks/rollout.')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(
      `${where} "${text}" is not an http or https URL (${url.protocol.replace(/:$/, '')}).`,
      'Give an http:// or https:// URL.',
    )
  // Lattice never sends credentials; a URL that carries some would send them (and show them in logs).
  if (url.username || url.password)
    throw bad(
      `${where} carries a user name or password in its URL.`,
      'Lattice sends no credentials: let the receiver accept the call without them (e.g. a secret path), or put a relay in front.',
    )
  return text
}

export type ConditionOp = '<' | '<=' | '>' | '>=' | '==' | '!='

export interface Condition {
  op: ConditionOp
  value: number
}

const CONDITION = /^\s*(<=|>=|==|!=|<|>)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/

/** Parse "< 0.05", ">= 1e3": one comparison operator and one number, nothing else. */
export function parseCondition(text: string, where: string): Condition {
  const m = CONDITION.exec(text)
  if (!m)
    throw bad(
      `${where} "${text}" is not a condition.`,
      'Write an operator (<, <=, >, >=, ==, !=) and a number, e.g. "< 0.05".',
    )
  return { op: m[1] as ConditionOp, value: Number(m[2]) }
}

/** Does `sample` meet the condition? NaN meets none (not even !=): a measurement of nothing is no pass. */
export function meets(sample: number, c: Condition): boolean {
  if (Number.isNaN(sample)) return false
  switch (c.op) {
    case '<':
      return sample < c.value
    case '<=':
      return sample <= c.value
    case '>':
      return sample > c.value
    case '>=':
      return sample >= c.value
    case '==':
      return sample === c.value
    case '!=':
      return sample !== c.value
  }
}

export const PLACEHOLDERS = ['lattice', 'id', 'link', 'from', 'to'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]

/** `query` if every {{name}} in it is one lattice fills in. */
export function checkQuery(query: string, where: string): string {
  if (!query.trim())
    throw bad(`${where} is empty.`, 'Give a PromQL query, e.g. sum(rate(errors_total{version="{{to}}"}[1m])).')
  for (const m of query.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(m[1]))
      throw bad(
        `${where} has an unknown placeholder {{${m[1]}}}.`,
        `Placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')}.`,
      )
  }
  return query
}

/**
 * The query with its placeholders filled in, each escaped as the content of a double-quoted
 * PromQL string (backslash, quote, newline): placeholders go inside a label matcher's quotes
 * (`version="{{to}}"`), and a version such as `v2",job="x` must not add a matcher of its own.
 */
export function fillQuery(query: string, values: Record<Placeholder, string>): string {
  const quoted = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
  return query.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (all, name: string) =>
    Object.hasOwn(values, name) ? quoted(values[name as Placeholder]) : all,
  )
}
