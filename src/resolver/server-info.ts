/**
 * What the servers tell about themselves ($SYS.REQ.SERVER.PING.VARZ): their version and the
 * operator keys they trust. We check our signer against those before pushing, because the
 * resolver answers "jwt updated" even for a JWT whose issuer it does not trust (verified on
 * 2.9.10), and the account then keeps its old claims.
 */
import { LatticeError } from '../errors.js'
import type { Connection } from './connection.js'

export interface ServerFacts {
  server: string
  version: string
  /** Operator public keys and operator signing keys this server trusts. */
  trustedKeys: Set<string>
  /** False when the server did not list its trusted operators (nothing to check against). */
  knowsTrust: boolean
  /**
   * Identity keys of trusted operators in strict signing-key mode (`strict_signing_key_usage`):
   * the servers refuse an account JWT such an operator signed with its identity key.
   */
  strictIdentityKeys: Set<string>
  maxPayload?: number
  /** The answering server's ID. */
  serverId?: string
  /** Gateways or leafnodes connect more servers than the cluster's routes show. */
  beyondCluster: boolean
  /** The server's system account (VARZ system_account, on every version we test). */
  systemAccount?: string
}

interface OperatorClaim {
  sub?: string
  name?: string
  nats?: { signing_keys?: (string | { key?: string })[]; strict_signing_key_usage?: boolean }
}

export async function fetchServerFacts(nc: Connection, timeoutMs = 2000): Promise<ServerFacts> {
  let body: {
    server?: { name?: string; id?: string }
    data?: {
      version?: string
      system_account?: string
      max_payload?: number
      trusted_operators_claim?: OperatorClaim[]
      gateway?: { name?: string }
      leafnodes?: number
    }
  }
  try {
    const reply = await nc.request('$SYS.REQ.SERVER.PING.VARZ', new TextEncoder().encode('{}'), { timeout: timeoutMs })
    body = JSON.parse(new TextDecoder().decode(reply.data))
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === '503')
      throw new LatticeError('NO_RESOLVER', 'No NATS server answered a system request.', {
        hint: 'Use --creds (NATS_CREDS) of a system-account user.',
      })
    if (code === 'TIMEOUT')
      throw new LatticeError('TIMEOUT', `No NATS server answered a system request within ${timeoutMs} ms.`)
    throw e
  }
  const trustedKeys = new Set<string>()
  const strictIdentityKeys = new Set<string>()
  const claims = body.data?.trusted_operators_claim
  for (const op of claims ?? []) {
    if (op.sub) trustedKeys.add(op.sub)
    if (op.sub && op.nats?.strict_signing_key_usage === true) strictIdentityKeys.add(op.sub)
    for (const k of op.nats?.signing_keys ?? []) {
      const key = typeof k === 'string' ? k : k.key
      if (key) trustedKeys.add(key)
    }
  }
  return {
    server: body.server?.name ?? 'unknown',
    version: body.data?.version ?? 'unknown',
    trustedKeys,
    knowsTrust: Array.isArray(claims) && claims.length > 0,
    strictIdentityKeys,
    maxPayload: body.data?.max_payload,
    serverId: body.server?.id,
    beyondCluster: Boolean(body.data?.gateway?.name) || (body.data?.leafnodes ?? 0) > 0,
    ...(body.data?.system_account ? { systemAccount: body.data.system_account } : {}),
  }
}

/**
 * Throws when the servers would store but not use a JWT issued by `key`, or refuse it: an
 * operator in strict signing-key mode accepts account JWTs signed only by its signing keys.
 */
export function assertTrustedIssuer(facts: ServerFacts, key: string, what: string): void {
  if (facts.strictIdentityKeys.has(key)) {
    throw new LatticeError(
      'UNTRUSTED_KEY',
      `${what} ${key} is the operator's identity key, and the operator requires account JWTs to be signed by one of its signing keys (strict_signing_key_usage; server ${facts.server} would refuse the push).`,
      {
        hint: 'Sign with an operator signing key: --signing-key (LATTICE_SIGNING_KEY) pointing at its seed file, or the seed in LATTICE_SIGNING_KEY_SEED (`nsc describe operator` lists the signing keys). Nothing was changed.',
      },
    )
  }
  if (!facts.knowsTrust || facts.trustedKeys.has(key)) return
  throw new LatticeError(
    'UNTRUSTED_KEY',
    `${what} ${key} is not trusted by the server's operator (server ${facts.server}).`,
    {
      hint: 'Use the seed of the operator these servers run with, or of one of its signing keys.',
    },
  )
}
