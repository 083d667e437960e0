/**
 * Connecting to NATS. The only module (with claims.ts) that imports the NATS client, so that
 * moving to the @nats-io/* v3 packages touches few files. Connection failures become
 * LatticeErrors that carry the server's own words.
 */
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
import type { Credentials } from '../auth/creds.js'
import { LatticeError } from '../errors.js'
import { probeConnectError } from './probe.js'

export type Connection = NatsConnection

export interface ConnectOptions {
  servers: string
  creds?: Credentials
  /** Client name shown in the server's connz. */
  name?: string
  timeoutMs?: number
}

export function splitServers(servers: string): string[] {
  return servers.split(',').map((s) => s.trim()).filter(Boolean)
}

export async function openConnection(opts: ConnectOptions): Promise<Connection> {
  const servers = splitServers(opts.servers)
  try {
    return await connect({
      servers,
      name: opts.name ?? 'lattice',
      timeout: opts.timeoutMs ?? 5000,
      reconnect: false,
      maxReconnectAttempts: 0,
      ...(opts.creds ? { authenticator: credsAuthenticator(opts.creds.bytes) } : {}),
    })
  } catch (e) {
    throw await explainConnectError(e, servers, opts)
  }
}

/** A server URL fit for messages: user and password removed. */
export function redactUrl(server: string): string {
  try {
    const url = new URL(server.includes('://') ? server : `nats://${server}`)
    if (!url.username && !url.password) return server
    url.username = ''
    url.password = ''
    return url.toString().replace(/\/$/, '')
  } catch {
    return server.replace(/\/\/[^@/]*@/, '//')
  }
}

async function explainConnectError(e: unknown, servers: string[], opts: ConnectOptions): Promise<LatticeError> {
  const code = (e as { code?: string }).code ?? ''
  const message = (e as Error).message ?? String(e)
  const where = servers.map(redactUrl).join(', ')
  if (code === 'AUTHORIZATION_VIOLATION' || /authorization violation/i.test(message)) {
    return new LatticeError('AUTHORIZATION', `NATS at ${where} refused the credentials: ${message}.`, {
      hint: opts.creds ? `Check that ${opts.creds.file} is a current user of the system account.` : 'Pass --creds (or set NATS_CREDS) with a system-account user.',
    })
  }
  if (code === 'CONNECTION_REFUSED' || /ECONNREFUSED/.test(message)) {
    return new LatticeError('CONNECTION_FAILED', `Cannot reach NATS at ${where}: connection refused.`, {
      hint: 'Check --server (or NATS_URL) and that nats-server is running there.',
    })
  }
  // nats.js reports a server -ERR during connect (e.g. connection limits) as a bare TIMEOUT:
  // ask the server ourselves to get its own words.
  const serverSaid = await probeConnectError(servers[0], opts.creds?.bytes).catch(() => undefined)
  if (serverSaid) {
    const auth = /authoriz|authentic|expired|revoked/i.test(serverSaid)
    return new LatticeError(auth ? 'AUTHORIZATION' : 'CONNECTION_FAILED', `NATS at ${where} refused the connection: ${serverSaid}.`, {
      hint: auth ? 'Check --creds (or NATS_CREDS).' : 'The server gave this reason; fix it on the server or account side.',
    })
  }
  if (code === 'TIMEOUT') {
    return new LatticeError('TIMEOUT', `Timed out connecting to NATS at ${where}.`, { hint: 'Check --server (or NATS_URL), the network, and that the server is healthy.' })
  }
  return new LatticeError('CONNECTION_FAILED', `Cannot connect to NATS at ${where}: ${message}.`, { hint: 'Check --server (or NATS_URL).' })
}
