/**
 * The NATS resolver's account-claims API, spoken by a system-account user:
 *   $SYS.REQ.ACCOUNT.<pk>.CLAIMS.LOOKUP  -> the raw live JWT (empty if unknown)
 *   $SYS.REQ.CLAIMS.UPDATE               -> every server with a full resolver answers once
 */
import { LatticeError, isLatticeError } from '../errors.js'
import type { Connection } from './connection.js'
import { type GatherOptions, gather } from './servers.js'

export interface ServerReply {
  /** The answering server's name (its ID when unnamed). */
  server: string
  ok: boolean
  code: number
  /** "jwt updated", or the server's reason for rejecting. */
  message: string
  cluster?: string
}

export const lookupSubject = (account: string) => `$SYS.REQ.ACCOUNT.${account}.CLAIMS.LOOKUP`
export const UPDATE_SUBJECT = '$SYS.REQ.CLAIMS.UPDATE'

const NO_RESOLVER_HINT =
  'Use --creds (NATS_CREDS) of a system-account user, against servers configured with a full resolver.'

function isNoResponders(e: unknown): boolean {
  return (e as { code?: string }).code === '503' || /no responders/i.test((e as Error).message ?? '')
}

/** The live account JWT, or undefined when the resolver does not know the account. */
export async function lookupAccountJwt(nc: Connection, account: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const reply = await nc.request(lookupSubject(account), new Uint8Array(0), { timeout: timeoutMs })
    const jwt = new TextDecoder().decode(reply.data).trim()
    return jwt.length > 0 ? jwt : undefined
  } catch (e) {
    if (isNoResponders(e))
      throw new LatticeError('NO_RESOLVER', 'No NATS resolver answered the account lookup.', { hint: NO_RESOLVER_HINT })
    if ((e as { code?: string }).code === 'TIMEOUT')
      throw new LatticeError(
        'TIMEOUT',
        `The resolver did not answer the lookup of account ${account} within ${timeoutMs} ms.`,
      )
    throw e
  }
}

export const LIST_SUBJECT = '$SYS.REQ.CLAIMS.LIST'

export interface StoredJwts {
  /** The copies of the JWT the servers answered with. */
  jwts: string[]
  /** How many servers said they have none: an empty lookup reply (>= 2.10), or a claims list without it. */
  without: number
}

/**
 * The JWT each full resolver has stored: every server that has one answers a lookup (verified
 * on 2.9.10), without saying which server it is. For an account it does not have, 2.9.10 says
 * nothing and newer servers answer empty; so the servers' claims lists are read at the same
 * time, and once every expected server has answered one without the account, nobody waits out
 * the lookup's quiet period.
 */
export async function lookupStored(nc: Connection, account: string, opts: GatherOptions = {}): Promise<StoredJwts> {
  let empty = 0
  let absent: Promise<number> | undefined
  if (opts.expected !== undefined) {
    absent = gather(nc, LIST_SUBJECT, '', { expected: opts.expected, maxWaitMs: opts.maxWaitMs }).then(
      (replies) => {
        const lists = replies.map(parseClaimsList)
        if (lists.length < (opts.expected as number) || lists.some((l) => l === undefined || l.includes(account)))
          return new Promise<number>(() => undefined)
        return lists.length
      },
      () => new Promise<number>(() => undefined),
    ) // no answer: the lookup alone decides
  }
  const replies = await gather(nc, lookupSubject(account), '', { ...opts, until: absent, onEmpty: () => empty++ })
  const jwts = replies.map((r) => r.trim()).filter(Boolean)
  const listed = jwts.length === 0 && absent ? await Promise.race([absent, Promise.resolve(0)]) : 0
  return { jwts, without: Math.max(empty, listed) }
}

/** Just the copies (see lookupStored). */
export async function storedJwts(nc: Connection, account: string, opts: GatherOptions = {}): Promise<string[]> {
  return (await lookupStored(nc, account, opts)).jwts
}

/** The accounts a server's claims list names; undefined when the reply is not a list. */
function parseClaimsList(text: string): string[] | undefined {
  try {
    const data = (JSON.parse(text) as { data?: unknown }).data
    return Array.isArray(data) ? data.filter((a): a is string => typeof a === 'string') : undefined
  } catch {
    return undefined
  }
}

/** Send `jwt` to every resolver and collect each server's answer (stop early once `expected` answered). */
export async function pushAccountJwt(nc: Connection, jwt: string, opts: GatherOptions = {}): Promise<ServerReply[]> {
  let replies: string[]
  try {
    replies = await gather(nc, UPDATE_SUBJECT, jwt, { maxWaitMs: 5000, ...opts })
  } catch (e) {
    if (isLatticeError(e) && e.code === 'NO_RESOLVER')
      throw new LatticeError('NO_RESOLVER', 'No NATS resolver answered the JWT update.', { hint: NO_RESOLVER_HINT })
    throw e
  }
  if (replies.length === 0)
    throw new LatticeError('NO_RESOLVER', 'No NATS server acknowledged the JWT update.', { hint: NO_RESOLVER_HINT })
  return replies.map(parseUpdateReply).sort((a, b) => a.server.localeCompare(b.server))
}

export function parseUpdateReply(text: string): ServerReply {
  let body: {
    server?: { name?: string; id?: string; cluster?: string }
    data?: { code?: number; message?: string }
    error?: { code?: number; description?: string }
  }
  try {
    body = JSON.parse(text)
  } catch {
    return { server: 'unknown', ok: false, code: 0, message: `unreadable reply: ${text.slice(0, 200)}` }
  }
  const server = body.server?.name || body.server?.id || 'unknown'
  const cluster =
    typeof body.server?.cluster === 'string' && body.server.cluster ? { cluster: body.server.cluster } : {}
  if (body.error)
    return {
      server,
      ...cluster,
      ok: false,
      code: body.error.code ?? 500,
      message: body.error.description ?? 'rejected',
    }
  return {
    server,
    ...cluster,
    ok: (body.data?.code ?? 200) === 200,
    code: body.data?.code ?? 200,
    message: body.data?.message ?? '',
  }
}
