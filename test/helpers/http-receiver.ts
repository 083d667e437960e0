/** A real local HTTP server for webhook and notification tests: records every request, answers as told. */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  /** Set when the client closed the connection before an answer was sent. */
  cutShort: boolean
}

export interface Receiver {
  url: string
  received: Received[]
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, ms?: number): Promise<void>
  close(): Promise<void>
}

/** `answer` may reply, or leave the response open (a hanging receiver). */
export async function startReceiver(answer: (req: Received, res: ServerResponse) => void): Promise<Receiver> {
  const received: Received[] = []
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d.toString()))
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, cutShort: false }
      received.push(r)
      open.add(res)
      res.on('close', () => {
        if (!res.writableEnded) r.cutShort = true
        open.delete(res)
      })
      answer(r, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(n, ms = 20_000) {
      const deadline = Date.now() + ms
      while (received.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      if (received.length < n) throw new Error(`${received.length} of ${n} requests arrived within ${ms / 1000} s`)
    },
    async close() {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export const reply = (res: ServerResponse, status: number, body: unknown = {}) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
