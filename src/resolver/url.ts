/** Server URLs in messages and their checks, apart from the NATS client so that commands that never connect do not load it. */
import { LatticeError } from '../errors.js'

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

/** The schemes the NATS client speaks (a URL without one is nats://). */
export const NATS_SCHEMES = ['nats', 'tls', 'ws', 'wss']

/**
 * Refuse, before anything is contacted, a server URL the NATS client cannot speak to (an
 * http:// URL of the monitoring port, a typo): USAGE, naming the URL without credentials and
 * `source` (where it came from), instead of 30 s of retries.
 */
export function checkServerUrls(servers: string, source: string): void {
  for (const server of servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(server)?.[1]?.toLowerCase()
    if (scheme === undefined || NATS_SCHEMES.includes(scheme)) continue
    const http = scheme === 'http' || scheme === 'https'
    throw new LatticeError(
      'USAGE',
      `${source} names ${redactUrl(server)}, which is not a NATS URL: its scheme ${scheme}:// is not one of ${NATS_SCHEMES.map((s) => `${s}://`).join(', ')}.`,
      {
        hint: http
          ? `That looks like nats-server's HTTP monitoring port (http_port, 8222 by default); give its client port instead, e.g. nats://${hostOf(server)}:4222.`
          : 'Give a URL such as nats://127.0.0.1:4222 (tls:// for TLS, ws:// or wss:// for websockets).',
        details: { server: redactUrl(server), scheme },
      },
    )
  }
}

function hostOf(server: string): string {
  try {
    return new URL(server).hostname || 'localhost'
  } catch {
    return 'localhost'
  }
}
