/**
 * The dashboard's HTTP server (node:http only): the page and its files, the SSE stream, the
 * snapshot and the actions. Every request must name this server in its Host header; everything
 * but the page's files needs the per-run token; actions are POSTs with the token in a header.
 */
import { readFile, stat } from 'node:fs/promises'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { LatticeError } from '../errors.js'
import { redact } from '../redact.js'
import { ACTION_PATHS, type ActionPath } from './actions.js'
import {
  type ActionAnswer,
  type Backfill,
  type DashboardEvents,
  type Hello,
  type Snapshot,
  TOKEN_HEADER,
} from './model.js'
import { allowedHosts, hostAllowed, originAllowed, tokenMatches } from './security.js'

/** A client whose socket holds more than this (beyond what it got on connecting) is too slow: dropped, it reconnects and gets a backfill. */
export const CLIENT_BUFFER_LIMIT = 8 * 1024 * 1024
export const HEARTBEAT_MS = 15_000
const BODY_LIMIT = 16 * 1024

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}

/** What the server needs of the feed. */
export interface FeedView {
  latest: Omit<Snapshot, 'hello'>
  backfill(): Backfill
  act(path: ActionPath, body: unknown): Promise<ActionAnswer>
}

export interface ServerOptions {
  host: string
  port: number
  token: string
  readOnly: boolean
  /** dist/dashboard-page */
  pageDir: string
  hello: Hello
  feed: FeedView
}

interface Client {
  res: ServerResponse
  /** What it may hold unsent: the limit, plus what it got on connecting (a big backfill). */
  allowance: number
}

export class DashboardServer {
  private readonly server: Server
  private readonly clients = new Set<Client>()
  private allowed = new Set<string>()
  private heartbeat?: NodeJS.Timeout
  port = 0

  constructor(private readonly opts: ServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent)
          this.send(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'The dashboard failed to answer.' } })
        else res.destroy()
      })
    })
  }

  /** Listen; PORT_IN_USE when the port is taken. */
  async listen(): Promise<number> {
    await new Promise<void>((ok, fail) => {
      this.server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE')
          fail(
            new LatticeError(
              'PORT_IN_USE',
              `Port ${this.opts.port} on ${this.opts.host} is in use: another program (or another lattice dashboard) listens there.`,
              { hint: 'Pick another with --port N, or --port 0 for any free port.' },
            ),
          )
        else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
          fail(
            new LatticeError(
              'INVALID_HOST',
              `Cannot listen on ${this.opts.host}: it is not an address of this machine.`,
              { hint: 'Give --host an address of this machine (default 127.0.0.1).' },
            ),
          )
        else fail(e)
      })
      this.server.listen(this.opts.port, this.opts.host, () => ok())
    })
    this.port = (this.server.address() as { port: number }).port
    this.allowed = allowedHosts(this.opts.host, this.port)
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), HEARTBEAT_MS)
    this.heartbeat.unref()
    return this.port
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat)
    for (const c of this.clients) c.res.end()
    this.clients.clear()
    this.server.closeAllConnections()
    await new Promise<void>((r) => this.server.close(() => r()))
  }

  /** Send an event to every page connected. */
  broadcast<K extends keyof DashboardEvents>(event: K, data: DashboardEvents[K]): void {
    if (this.clients.size > 0) this.write(sse(event, data))
  }

  get clientCount(): number {
    return this.clients.size
  }

  private write(text: string): void {
    for (const c of this.clients) {
      // A page that does not read (a stopped tab, a slow link) must not grow our memory.
      if (c.res.writableLength > c.allowance) {
        this.clients.delete(c)
        c.res.destroy()
        continue
      }
      c.res.write(text)
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, this.allowed))
      return this.refuse(res, 421, 'WRONG_HOST', 'This server answers only to the address lattice dashboard printed.')
    const url = new URL(req.url ?? '/', 'http://dashboard')
    const path = url.pathname
    if ((ACTION_PATHS as string[]).includes(path)) {
      if (req.method !== 'POST') return this.refuse(res, 405, 'METHOD', 'Actions are POSTs.', { Allow: 'POST' })
      return this.action(req, res, path as ActionPath)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.refuse(res, 405, 'METHOD', 'Only GET here.', { Allow: 'GET' })
    if (path.startsWith('/assets/')) return this.asset(res, path.slice('/assets/'.length))
    const token = url.searchParams.get('token')
    // The page itself holds no data: it loads without a token (a reload, after the page took the
    // token out of the address bar, keeps it in the tab's sessionStorage), but not with a stale one.
    if (path === '/' && !token) return this.page(res)
    if (path === '/' || path === '/events' || path === '/api/snapshot') {
      if (!token)
        return this.refuse(
          res,
          401,
          'NO_TOKEN',
          'Open the URL lattice dashboard printed: it carries the token (?token=...).',
        )
      if (!tokenMatches(token, this.opts.token))
        return this.refuse(res, 403, 'WRONG_TOKEN', 'Wrong token: open the URL this run of lattice dashboard printed.')
    }
    if (path === '/') return this.page(res)
    if (path === '/events') return this.events(req, res)
    if (path === '/api/snapshot')
      return this.send(res, 200, { hello: this.opts.hello, ...this.opts.feed.latest } satisfies Snapshot)
    return this.refuse(res, 404, 'NOT_FOUND', 'No such page.')
  }

  private async action(req: IncomingMessage, res: ServerResponse, path: ActionPath): Promise<void> {
    if (this.opts.readOnly)
      return this.refuse(res, 403, 'READ_ONLY', 'This dashboard runs with --read-only: it takes no action.')
    const given = req.headers[TOKEN_HEADER]
    if (given === undefined) return this.refuse(res, 401, 'NO_TOKEN', `Actions need the ${TOKEN_HEADER} header.`)
    if (!tokenMatches(Array.isArray(given) ? given[0] : given, this.opts.token))
      return this.refuse(res, 403, 'WRONG_TOKEN', 'Wrong token.')
    if (!originAllowed(req.headers.origin, req.headers.host))
      return this.refuse(res, 403, 'WRONG_ORIGIN', 'Actions are taken only from the dashboard page itself.')
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
      return this.refuse(res, 415, 'CONTENT_TYPE', 'Send the body as application/json.')
    let body: unknown
    try {
      body = JSON.parse(await readBody(req))
    } catch (e) {
      if (!(e instanceof TooLarge)) return this.refuse(res, 400, 'BAD_BODY', 'The body is not JSON.')
      // Answer, then hang up: the rest of the body is not read.
      res.on('finish', () => req.destroy())
      return this.refuse(res, 413, 'BAD_BODY', 'The body is too large.', { Connection: 'close' })
    }
    const answer = await this.opts.feed.act(path, body)
    this.send(res, answer.ok ? 200 : answer.error.code === 'USAGE' ? 400 : 409, answer)
  }

  private async page(res: ServerResponse): Promise<void> {
    const html = await readFile(join(this.opts.pageDir, 'index.html'))
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store' })
    res.end(html)
  }

  /** A file of the page (no token: nothing in them is secret). Only files under pageDir. */
  private async asset(res: ServerResponse, rel: string): Promise<void> {
    let name: string
    try {
      name = decodeURIComponent(rel)
    } catch {
      return this.refuse(res, 400, 'BAD_PATH', 'Bad path.')
    }
    const root = resolve(this.opts.pageDir)
    const file = resolve(root, name)
    if (name.includes('\0') || !file.startsWith(root + sep)) return this.refuse(res, 404, 'NOT_FOUND', 'No such file.')
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) return this.refuse(res, 404, 'NOT_FOUND', 'No such file.')
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    })
    res.end(await readFile(file))
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    })
    const { latest } = this.opts.feed
    const first = [
      sse('hello', this.opts.hello),
      sse('backfill', this.opts.feed.backfill()),
      ...(['rollouts', 'history', 'servers'] as const).flatMap((k) => (latest[k] ? [sse(k, latest[k])] : [])),
    ].join('')
    res.write(first)
    const client = { res, allowance: CLIENT_BUFFER_LIMIT + first.length }
    this.clients.add(client)
    const gone = () => this.clients.delete(client)
    req.on('close', gone)
    res.on('error', gone)
  }

  private refuse(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    this.send(res, status, { ok: false, error: { code, message } }, headers)
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': TYPES['.json'],
      'Cache-Control': 'no-store',
      ...headers,
    })
    res.end(redact(JSON.stringify(body)))
  }
}

/** One SSE message; no seed or creds content, whatever a message might carry. */
function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${redact(JSON.stringify(data))}\n\n`
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > BODY_LIMIT) fail(new TooLarge())
      else chunks.push(c)
    })
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
    req.on('error', fail)
  })
}
