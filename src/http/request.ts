/**
 * One HTTP request with Node's fetch, as the gates and notifications need it: a timeout, a
 * signal that cuts it short, no redirect followed, no credentials sent, and at most 64 KiB of
 * the answer read. Failures come back as one short reason, never as a thrown fetch error.
 */

export interface HttpAnswer {
  status: number
  text: string
  /** The Location of a redirect (not followed). */
  location?: string
}

export type HttpOutcome = { ok: true; answer: HttpAnswer } | { ok: false; reason: string; stopped: boolean }

export interface RequestOptions {
  method: 'GET' | 'POST'
  json?: unknown
  timeoutMs: number
  /** Cuts the request short (an abort, an interrupt, the end of a grace period). */
  signal?: AbortSignal
}

const MAX_BODY = 64 * 1024

export async function httpRequest(url: string, opts: RequestOptions): Promise<HttpOutcome> {
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  const why = () =>
    opts.signal?.aborted
      ? { reason: 'stopped', stopped: true }
      : { reason: `no answer within ${opts.timeoutMs / 1000} s`, stopped: false }
  try {
    const res = await fetch(url, {
      method: opts.method,
      redirect: 'manual',
      credentials: 'omit',
      signal,
      headers: {
        'user-agent': 'lattice',
        ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
        accept: 'application/json, text/plain;q=0.9, */*;q=0.5',
      },
      ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
    })
    const text = await readSome(res)
    const location = res.headers.get('location') ?? undefined
    return { ok: true, answer: { status: res.status, text, ...(location ? { location } : {}) } }
  } catch (e) {
    if (signal.aborted) return { ok: false, ...why() }
    return { ok: false, reason: connectionError(e), stopped: false }
  }
}

/** The first MAX_BODY bytes of the body, as text. */
async function readSome(res: Response): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.length
    if (size >= MAX_BODY) {
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, MAX_BODY))
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, ...). */
function connectionError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  const detail = cause?.code ?? cause?.message ?? (e as Error).message
  return `cannot connect: ${detail}`
}

/** What an answer says, for a gate's detail: a JSON body's `message`, else the start of its text. */
export function answerMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string')
      return (body as { message: string }).message.slice(0, 200)
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200)
}
