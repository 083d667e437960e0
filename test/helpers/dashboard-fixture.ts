/**
 * A stand-in for `lattice dashboard`'s server, to test and benchmark the page without NATS: a
 * node:http server that serves dist/dashboard-page (npm run build first) the way the real one
 * does (GET /?token=T, GET /assets/<file>) and an SSE stream of made-up model events
 * (src/dashboard/model.ts): N entities whose observed split follows their set weights, a frame
 * every intervalMs. Records every POST and answers it ok. Binds 127.0.0.1 only.
 */
import { existsSync, readFileSync } from 'node:fs'
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type {
  ActionAnswer,
  Backfill,
  DashboardEvents,
  EntityFrame,
  Frame,
  HistoryEvent,
  Hello,
  RolloutsEvent,
  ServersEvent,
} from '../../src/dashboard/model.js'

export const PAGE_DIR = fileURLToPath(new URL('../../dist/dashboard-page', import.meta.url))

export interface FixtureOptions {
  entities?: number
  /** Versions per entity (v1, v2, ...). */
  versions?: number
  intervalMs?: number
  readOnly?: boolean
  /** Per-version error rate and p95 in the frames. */
  metrics?: boolean
  /** Points of backfill sent on connect (one per interval, ending now). */
  backfillPoints?: number
  /** Start with the frames stopped (as a dashboard still connecting to NATS); pauseFrames(false) starts them. */
  framesPaused?: boolean
  token?: string
  rollouts?: RolloutsEvent
  history?: HistoryEvent
  servers?: ServersEvent
  /** Answer for POSTs (default: ok). */
  answer?: (path: string, body: unknown) => { status: number; body: ActionAnswer }
}

export interface Posted {
  path: string
  headers: IncomingMessage['headers']
  body: unknown
}

export interface DashboardFixture {
  /** Page URL with the token: http://127.0.0.1:P/?token=T */
  url: string
  base: string
  token: string
  posted: Posted[]
  /** Frames sent so far (to any client). */
  framesSent: number
  /** Bytes written on event streams so far. */
  sseBytes: number
  /** Entity keys in frame order. */
  keys: string[]
  /** Sets an entity's weights (percent per version); the observed split follows within a few frames. */
  setWeights(key: string, weights: Record<string, number>): void
  /** Sends any event to every connected page. */
  send<K extends keyof DashboardEvents>(event: K, data: DashboardEvents[K]): void
  /** Page connections so far. */
  connections: number
  /** Cuts every page's event stream (the pages reconnect). */
  dropClients(): void
  /** Stops (true) or resumes the frames. */
  pauseFrames(paused: boolean): void
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}
const CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

interface EntityState {
  key: string
  label: string
  weights: Record<string, number>
  observed: Record<string, number>
}

export async function startDashboardFixture(o: FixtureOptions = {}): Promise<DashboardFixture> {
  if (!existsSync(join(PAGE_DIR, 'app.js'))) throw new Error(`${PAGE_DIR}/app.js is missing: run npm run build first`)
  const n = o.entities ?? 3
  const nv = o.versions ?? 2
  const intervalMs = o.intervalMs ?? 500
  const token = o.token ?? 'fixture-token-0123456789abcdef'
  const versions = Array.from({ length: nv }, (_, i) => `v${i + 1}`)
  const ents: EntityState[] = Array.from({ length: n }, (_, i) => {
    const weights: Record<string, number> = {}
    // First version 100 - the others' shares, the others a varied share each.
    let rest = 100
    for (const v of versions.slice(1)) {
      const w = Math.min(rest, (i * 7 + v.length * 13) % 40)
      weights[v] = w
      rest -= w
    }
    weights.v1 = rest
    const id = `echo-${String(i).padStart(3, '0')}`
    return { key: `component ${id}`, label: `component ${id}`, weights, observed: { ...weights } }
  })
  const byKey = new Map(ents.map((e) => [e.key, e]))
  let tick = 0
  let paused = o.framesPaused ?? false

  const frameOf = (e: EntityState, t: number): EntityFrame => ({
    key: e.key,
    entity: { kind: 'component', id: e.key.slice('component '.length) },
    label: e.label,
    scheme: 'wRPC',
    observedBy: 'reports',
    versions: versions.map((v, j) => ({
      version: v,
      weight: e.weights[v] ?? 0,
      observed: e.observed[v] ?? 0,
      rate: 20 + j,
      instances: 1 + j,
      ...(o.metrics
        ? { errorRate: 0.002 * (j + 1) + 0.001 * Math.sin(t / 5000), p95Ms: 12 + 3 * j + Math.sin(t / 7000) }
        : {}),
    })),
  })
  const step = () => {
    tick++
    for (const e of ents)
      for (const v of versions) {
        // Observed moves halfway to the set weight each frame, with a little noise.
        const w = e.weights[v] ?? 0
        const noise = w > 0 && w < 100 ? Math.sin(tick + v.length) * 0.8 : 0
        e.observed[v] = Math.max(0, Math.min(100, e.observed[v] + (w - e.observed[v]) / 2 + noise))
      }
  }
  const frame = (): Frame => {
    const t = Date.now()
    return { t, entities: ents.map((e) => frameOf(e, t)) }
  }
  const hello: Hello = {
    lattice: 'fixture',
    account: 'ADZQ4V7ACCOUNTPUBLICKEYFORTHEFIXTUREXXXXXXXXXXXXXXXXXXXX',
    readOnly: o.readOnly ?? false,
    version: '0.0.0-fixture',
    intervalMs,
    windowMs: 15 * 60_000,
  }
  const backfill = (): Backfill => {
    const points = o.backfillPoints ?? 0
    const now = Date.now()
    const t = Array.from({ length: points }, (_, i) => now - (points - i) * intervalMs)
    const series: Backfill['series'] = {}
    for (const e of ents) {
      series[e.key] = {}
      for (const v of versions)
        series[e.key][v] = {
          weight: t.map(() => e.weights[v]),
          observed: t.map(() => e.observed[v]),
          ...(o.metrics ? { errorRate: t.map(() => 0.001), p95Ms: t.map(() => 10) } : {}),
        }
    }
    return { t, series }
  }

  const clients = new Set<ServerResponse>()
  const posted: Posted[] = []
  const fx = {
    url: '',
    base: '',
    token,
    posted,
    framesSent: 0,
    sseBytes: 0,
    keys: ents.map((e) => e.key),
    connections: 0,
    dropClients() {
      for (const c of clients) c.destroy()
      clients.clear()
    },
    pauseFrames(p: boolean) {
      paused = p
    },
    setWeights(key: string, weights: Record<string, number>) {
      const e = byKey.get(key)
      if (!e) throw new Error(`no entity ${key}`)
      e.weights = { ...weights }
    },
    send<K extends keyof DashboardEvents>(event: K, data: DashboardEvents[K]) {
      const msg = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
      for (const c of clients) {
        c.write(msg)
        fx.sseBytes += Buffer.byteLength(msg)
      }
    },
    close: async () => {},
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const tokenOk = url.searchParams.get('token') === token
    if (req.method === 'GET' && url.pathname === '/') {
      if (!tokenOk) return plain(res, 403, 'token refused')
      return file(res, 'index.html')
    }
    if (req.method === 'GET' && url.pathname.startsWith('/assets/'))
      return file(res, url.pathname.slice('/assets/'.length))
    if (req.method === 'GET' && url.pathname === '/api/snapshot')
      return tokenOk ? json(res, 200, { hello }) : plain(res, 403, 'token refused')
    if (req.method === 'GET' && url.pathname === '/events') {
      if (!tokenOk) return plain(res, 403, 'token refused')
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      clients.add(res)
      fx.connections++
      res.on('close', () => clients.delete(res))
      const first: [keyof DashboardEvents, unknown][] = [
        ['hello', hello],
        ['backfill', backfill()],
      ]
      if (o.rollouts) first.push(['rollouts', o.rollouts])
      if (o.history) first.push(['history', o.history])
      if (o.servers) first.push(['servers', o.servers])
      if (!paused) first.push(['frame', frame()])
      for (const [ev, data] of first) {
        const msg = `event: ${ev}\ndata: ${JSON.stringify(data)}\n\n`
        res.write(msg)
        fx.sseBytes += Buffer.byteLength(msg)
      }
      return
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        let parsed: unknown = body
        try {
          parsed = JSON.parse(body)
        } catch {}
        posted.push({ path: url.pathname, headers: req.headers, body: parsed })
        if (req.headers['x-lattice-token'] !== token)
          return json(res, 403, { ok: false, error: { code: 'TOKEN', message: 'token refused' } })
        const a = o.answer?.(url.pathname, parsed) ?? {
          status: 200,
          body: { ok: true, message: `done: ${url.pathname}` } as ActionAnswer,
        }
        json(res, a.status, a.body)
      })
      return
    }
    plain(res, 404, 'not found')
  })
  const timer = setInterval(() => {
    if (!clients.size || paused) return
    step()
    fx.send('frame', frame())
    fx.framesSent++
  }, intervalMs)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  fx.base = `http://127.0.0.1:${port}`
  fx.url = `${fx.base}/?token=${token}`
  fx.close = async () => {
    clearInterval(timer)
    for (const c of clients) c.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return fx
}

function file(res: ServerResponse, name: string): void {
  const path = join(PAGE_DIR, name)
  if (name.includes('..') || name.includes('/') || !existsSync(path)) return plain(res, 404, 'not found')
  res.writeHead(200, {
    'content-type': TYPES[extname(name)] ?? 'application/octet-stream',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  })
  res.end(readFileSync(path))
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
