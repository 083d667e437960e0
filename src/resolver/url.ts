/** Server URLs in messages, apart from the NATS client so that commands that never connect do not load it. */

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
