/**
 * A TCP proxy in front of a real nats-server that misbehaves on purpose, per connection:
 * answer like a server that timed out the client's authentication, reset the connection, or go
 * silent after the handshake (a server that stopped answering). With `killAt`, it reads what
 * clients send and, at the first operation that starts a given step (a PUB or SUB on its
 * subject), kills the real server and dies with it: that operation never arrives, every
 * connection is cut, and the proxy's port refuses new ones, as a dead server's would.
 * Stop it in `finally`.
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

export interface KillAt {
  /** Does this client operation (CONNECT, or PUB, HPUB or SUB and its subject) start the step? */
  when: (op: string, subject: string) => boolean
  /** Kill the real server (called once, before any connection is cut). */
  kill: () => void
  /** After the kill, the proxy's port refuses connections (a dead server), or accepts them and says nothing (a host gone from the network). */
  then?: 'refuse' | 'blackhole'
}

/** `behaviour(n)` decides what the n-th connection (1-based) gets. */
export async function startProxy(
  target: string,
  behaviour: (n: number) => Behaviour,
  opts: { killAt?: KillAt } = {},
): Promise<TestProxy & { killed: boolean }> {
  const upstream = new URL(target)
  const sockets = new Set<Socket>()
  const track = (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => undefined)
    return s
  }
  const proxy: TestProxy & { killed: boolean } = {
    url: '',
    connections: 0,
    close: async () => undefined,
    killed: false,
  }
  const die = () => {
    proxy.killed = true
    opts.killAt?.kill()
    if (opts.killAt?.then !== 'blackhole') server.close()
    for (const s of sockets) s.destroy()
  }
  const server: Server = createServer((client) => {
    track(client)
    if (proxy.killed) return opts.killAt?.then === 'blackhole' ? undefined : void client.destroy()
    const how = behaviour(++proxy.connections)
    if (how === 'reset') return void client.resetAndDestroy()
    const up = track(connect(Number(upstream.port), upstream.hostname))
    client.on('close', () => up.destroy())
    up.on('close', () => client.destroy())
    if (how === 'forward') {
      up.pipe(client)
      const killAt = opts.killAt
      if (!killAt) return void client.pipe(up)
      const watch = new ClientOps(killAt.when)
      client.on('data', (d: Buffer) => {
        if (proxy.killed) return
        const at = watch.feed(d)
        if (at < 0) return void up.write(d)
        up.write(d.subarray(0, at))
        die()
      })
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

/**
 * Reads the client's side of the NATS protocol: finds where, in a chunk, the first operation
 * `when` picks begins (-1: none). Message payloads are skipped by their declared size.
 */
class ClientOps {
  private line = ''
  private skip = 0

  constructor(private readonly when: (op: string, subject: string) => boolean) {}

  feed(chunk: Buffer): number {
    let i = 0
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i)
        this.skip -= n
        i += n
        continue
      }
      const nl = chunk.indexOf('\n', i)
      const start = i - this.line.length
      this.line += chunk.subarray(i, nl < 0 ? chunk.length : nl + 1).toString('latin1')
      if (nl < 0) return -1
      i = nl + 1
      const [op = '', subject = '', ...rest] = this.line.trim().split(/\s+/)
      this.line = ''
      const verb = op.toUpperCase()
      // PUB subject [reply] size / HPUB subject [reply] header-size total-size: payload plus CRLF follow.
      if (verb === 'PUB' || verb === 'HPUB') this.skip = Number(rest.at(-1)) + 2
      if (['PUB', 'HPUB', 'SUB', 'CONNECT'].includes(verb) && this.when(verb, verb === 'CONNECT' ? '' : subject))
        return Math.max(0, start)
    }
    return -1
  }
}
