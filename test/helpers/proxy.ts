/**
 * A TCP proxy in front of a real nats-server that misbehaves on purpose, per connection:
 * answer like a server that timed out the client's authentication, reset the connection, or go
 * silent after the handshake (a server that stopped answering). Stop it in `finally`.
 */
import { type Server, type Socket, connect, createServer } from 'node:net'

export type Behaviour =
  /** Pass everything through. */
  | 'forward'
  /** Forward the server's INFO, then `-ERR 'Authentication Timeout'` and close: what nats-server does to a handshake that came too late. */
  | 'auth-timeout'
  /** Reset the connection at once (ECONNRESET for the client). */
  | 'reset'
  /** Forward until the server's first PONG (the handshake), then pass nothing more to the client. */
  | 'silent-after-handshake'

export interface TestProxy {
  url: string
  /** Connections accepted so far. */
  connections: number
  close(): Promise<void>
}

/** `behaviour(n)` decides what the n-th connection (1-based) gets. */
export async function startProxy(target: string, behaviour: (n: number) => Behaviour): Promise<TestProxy> {
  const upstream = new URL(target)
  const sockets = new Set<Socket>()
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
    return s
  }
  const proxy: TestProxy = { url: '', connections: 0, close: async () => undefined }
  const server: Server = createServer((client) => {
    track(client)
    const how = behaviour(++proxy.connections)
    if (how === 'reset') return void client.resetAndDestroy()
    const up = track(connect(Number(upstream.port), upstream.hostname))
    client.on('close', () => up.destroy())
    up.on('close', () => client.destroy())
    if (how === 'forward') {
      client.pipe(up)
      up.pipe(client)
      return
    }
    if (how === 'auth-timeout') {
      let buffered = ''
      up.on('data', (d) => {
        buffered += d.toString()
        const nl = buffered.indexOf('\r\n')
        if (nl < 0) return
        client.end(`${buffered.slice(0, nl + 2)}-ERR 'Authentication Timeout'\r\n`)
        up.destroy()
      })
      return
    }
    // silent-after-handshake
    client.pipe(up)
    let seen = ''
    let silent = false
    up.on('data', (d) => {
      if (silent) return
      seen += d.toString()
      const pong = seen.indexOf('PONG\r\n')
      if (pong < 0) return void client.write(d)
      silent = true
      const before = seen.length - d.length
      client.write(d.subarray(0, Math.max(0, pong + 6 - before)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `nats://127.0.0.1:${(server.address() as { port: number }).port}`
  proxy.close = async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return proxy
}
