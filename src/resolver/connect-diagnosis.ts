/**
 * A bare-protocol connection attempt used only to diagnose a failed connect: it reads the
 * server's INFO, authenticates like the client would and returns the server's -ERR text, if any.
 */
import { createConnection } from 'node:net'
import { fromSeed } from 'nkeys.js'

const SEED_RE = /-{3,}BEGIN USER NKEY SEED-{3,}\s*\n\s*(SU[A-Z2-7]+)\s*\n/
const JWT_RE = /-{3,}BEGIN NATS USER JWT-{3,}\s*\n\s*(\S+)\s*\n/

export async function probeConnectError(
  server: string,
  creds: Uint8Array | undefined,
  timeoutMs = 3000,
): Promise<string | undefined> {
  const url = new URL(server.includes('://') ? server : `nats://${server}`)
  if (url.protocol !== 'nats:') return undefined
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 4222) })
    const done = (result: string | undefined) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    let buffer = ''
    let sentConnect = false
    socket.on('error', () => done(undefined))
    socket.on('data', (chunk) => {
      try {
        onData(chunk)
      } catch {
        done(undefined)
      }
    })
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      let nl: number
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 2)
        if (line.startsWith('INFO ') && !sentConnect) {
          const info = JSON.parse(line.slice(5))
          if (info.tls_required) return done(undefined)
          socket.write(`CONNECT ${JSON.stringify(connectFields(info.nonce, creds))}\r\nPING\r\n`)
          sentConnect = true
        } else if (line.startsWith('-ERR')) {
          return done(line.slice(4).trim().replace(/^'|'$/g, ''))
        } else if (line.startsWith('PONG')) {
          return done(undefined)
        }
      }
    }
  })
}

function connectFields(nonce: string | undefined, creds: Uint8Array | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    verbose: false,
    pedantic: false,
    protocol: 1,
    headers: true,
    no_responders: true,
    lang: 'lattice-probe',
    version: '0',
  }
  const text = creds ? new TextDecoder().decode(creds) : ''
  const jwt = text.match(JWT_RE)?.[1]
  const seed = text.match(SEED_RE)?.[1]
  if (jwt && seed && nonce) {
    const kp = fromSeed(new TextEncoder().encode(seed))
    fields.jwt = jwt
    fields.sig = Buffer.from(kp.sign(new TextEncoder().encode(nonce))).toString('base64url')
    kp.clear()
  }
  return fields
}

/**
 * Does `server` answer HTTP rather than NATS (an http_port, 8222, given as nats://)? A NATS
 * server speaks first (its INFO); an HTTP server waits for a request, so one is sent when
 * nothing came within `quietMs`. True only when the answer starts like HTTP.
 */
export async function speaksHttp(server: string, quietMs = 250, timeoutMs = 1000): Promise<boolean> {
  let url: URL
  try {
    url = new URL(server.includes('://') ? server : `nats://${server}`)
  } catch {
    return false
  }
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return false
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 4222) })
    let asked: NodeJS.Timeout | undefined
    const done = (result: boolean) => {
      clearTimeout(timer)
      clearTimeout(asked)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.once(
      'connect',
      () => (asked = setTimeout(() => socket.write(`GET / HTTP/1.0\r\nHost: ${url.host}\r\n\r\n`), quietMs)),
    )
    socket.once('data', (d) => done(d.subarray(0, 5).toString('latin1') === 'HTTP/'))
    socket.once('error', () => done(false))
  })
}
