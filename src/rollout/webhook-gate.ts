/**
 * The webhook gate (like Flagger's webhooks): after each step's wait, POST the rollout's
 * context as JSON; a 2xx answer passes. Anything else, a redirect, a timeout or a connection
 * error fails. The answer's message (JSON `message`, else its first 200 characters) is shown.
 */
import { answerMessage, httpRequest } from '../http/request.js'
import { urlOrigin } from '../redact.js'
import type { RolloutPlan, WebhookGate } from './plan/rollout-plan.js'
import type { GateResult } from './records/rollout-store.js'

/** What the webhook receives: who, where, from and to, and every fact of the step (StepFacts: more may come). */
export function webhookContext(lattice: string, plan: RolloutPlan, facts: object): Record<string, unknown> {
  const { kind, id, link } = plan.entity
  return { entity: { kind, id, ...(link ? { link } : {}) }, lattice, from: plan.from, to: plan.to, ...facts }
}

export async function webhookGate(
  hook: WebhookGate,
  context: Record<string, unknown>,
  signal: AbortSignal,
): Promise<GateResult> {
  const where = urlOrigin(hook.url)
  const out = await httpRequest(hook.url, { method: 'POST', json: context, timeoutMs: hook.timeoutMs, signal })
  if (!out.ok) return { gate: 'webhook', pass: false, detail: `${where}: ${out.reason}` }
  const { status, text, location } = out.answer
  const said = answerMessage(text)
  if (status >= 300 && status < 400)
    return {
      gate: 'webhook',
      pass: false,
      detail: `${where}: redirected (${status}${location ? ` to ${urlOrigin(new URL(location, hook.url).href)}` : ''}); lattice does not follow redirects: give the final URL`,
    }
  const pass = status >= 200 && status < 300
  return { gate: 'webhook', pass, detail: `${where}: ${status}${said ? `: ${said}` : ''}` }
}
