/** The dashboard's gatekeeping: the per-run token, the Host header (DNS rebinding), the Origin of a POST, loopback addresses. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'

/** A new token per run: 32 random bytes, base64url (URL-safe, no padding). */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Constant-time comparison (hashed first: timingSafeEqual needs equal lengths, and the length is not to leak either). */
export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(token))
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

const isWildcard = (host: string) => ['0.0.0.0', '::', '[::]'].includes(host)

/** `host` as it is written before ":port" in a URL or a Host header. */
export function hostPart(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host
}

/**
 * The Host headers that name this server: the loopback names and the --host given; bound to
 * every address (0.0.0.0, ::), also this machine's addresses and name. Anything else is a page
 * of another site whose name was made to resolve here (DNS rebinding).
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', hostPart(host)])
  if (isWildcard(host)) {
    names.add(hostname())
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(hostPart(a.address))
  }
  return new Set([...names].map((n) => `${n.toLowerCase()}:${port}`))
}

export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  return header !== undefined && allowed.has(header.toLowerCase())
}

/** A POST's Origin, when the browser sends one, must be the page's own (http://<its Host header>). */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true
  return hostHeader !== undefined && origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`
}
