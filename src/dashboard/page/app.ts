// lattice dashboard's page: follows the server's event stream (../model.ts is the contract) and
// draws it. Frames only append to data arrays when they arrive; the DOM and the charts are
// updated at most once per animation frame, so frames that arrive while the page is busy are
// coalesced into one update instead of queueing.
import type { DashboardEvents, Frame, Hello, PageStats } from '../model.js'
import { byId, setText, shortKey } from './dom.js'
import { Entities } from './entities.js'
import { type Ctx, renderHistory, renderRollouts, renderServers, updateRolloutsLive } from './panels.js'

declare global {
  interface Window {
    __latticeDashboard: PageStats
  }
}

const stats: PageStats = {
  frames: 0,
  framesReceived: 0,
  lastFrameT: 0,
  lastApplyMs: 0,
  maxApplyMs: 0,
  lastLagMs: 0,
  chartsCreated: 0,
  chartsLive: 0,
  connects: 0,
  recentApplyMs: [],
  recentLagMs: [],
  recentRedrawMs: [],
  recentRedrawn: [],
  backfillMs: 0,
  draws: 0,
}
window.__latticeDashboard = stats

// The token comes in the URL lattice printed; keep it for this tab only and take it out of the
// address bar (screenshots, screen sharing, people looking over a shoulder).
const TOKEN_KEY = 'lattice-dashboard-token'
const params = new URLSearchParams(location.search)
const fromUrl = params.get('token')
if (fromUrl) {
  sessionStorage.setItem(TOKEN_KEY, fromUrl)
  params.delete('token')
  const rest = params.toString()
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`)
}
const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? ''

let hello: Hello | undefined
const ctx: Ctx = { token: () => token, readOnly: () => hello?.readOnly ?? true }
const entities = new Entities()

// --- connection -------------------------------------------------------------------------------
let source: EventSource | undefined
let backoffMs = 500
let feedError: string | undefined
let connError: string | undefined

function banner(): void {
  const lines = [connError, feedError].filter(Boolean) as string[]
  const b = byId('banner')
  b.hidden = lines.length === 0
  setText(b, lines.join('\n'))
}

let conn: 'connecting' | 'live' | 'disconnected' = 'connecting'
// Until the first frame (or a backfill with points) the server may still be connecting to NATS:
// "no routed entity" would be a guess.
let dataArrived = false

function connState(state: typeof conn, text: string): void {
  conn = state
  const c = byId('conn')
  c.dataset.state = state
  setText(c, text)
  emptyNote()
}

/** What the entity list says while it is empty. */
function emptyNote(): void {
  const text =
    conn === 'disconnected'
      ? "Connection to lattice dashboard's server lost; retrying…"
      : dataArrived
        ? 'No routed entity yet.'
        : 'connecting…'
  setText(byId('entities-empty'), text)
}

function arrived(): void {
  if (dataArrived) return
  dataArrived = true
  emptyNote()
}

function connect(): void {
  connState('connecting', 'connecting…')
  const es = new EventSource(`/events?token=${encodeURIComponent(token)}`)
  source = es
  const on = <K extends keyof DashboardEvents>(name: K, f: (d: DashboardEvents[K]) => void) =>
    es.addEventListener(name, (ev) => {
      if (source !== es) return
      const t0 = performance.now()
      const data = JSON.parse((ev as MessageEvent<string>).data) as DashboardEvents[K]
      if (name === 'frame') pendingApplyMs += performance.now() - t0
      f(data)
      if (name === 'backfill') stats.backfillMs = performance.now() - t0
    })
  on('hello', onHello)
  on('backfill', (b) => {
    if (b.t.length > 0) arrived()
    entities.backfill(b)
    schedule()
  })
  on('frame', onFrame)
  on('rollouts', (r) => renderRollouts(ctx, r))
  on('history', (h) => renderHistory(ctx, h))
  on('servers', (s) => renderServers(s))
  on('feed-error', (e) => {
    feedError = `${e.message} (${e.code})`
    banner()
  })
  es.addEventListener('error', () => {
    if (source !== es) return
    // EventSource retries by itself at a fixed pace; lattice backs off instead, and says why.
    es.close()
    source = undefined
    const wait = backoffMs
    backoffMs = Math.min(backoffMs * 2, 15_000)
    connState('disconnected', 'disconnected')
    connError = `Disconnected from lattice dashboard's server; retrying in ${Math.round(wait / 1000) || 1} s.`
    banner()
    void explain()
    setTimeout(connect, wait)
  })
}

/** EventSource does not say why it failed: ask once whether the token was refused. */
async function explain(): Promise<void> {
  try {
    const res = await fetch(`/api/snapshot?token=${encodeURIComponent(token)}`)
    if (res.status === 403) {
      connError =
        "The dashboard refused this page's token: open the URL that `lattice dashboard` printed (it changes with every run)."
      banner()
    }
  } catch {
    // The server is down: the banner already says so.
  }
}

function onHello(h: Hello): void {
  hello = h
  backoffMs = 500
  connError = undefined
  feedError = undefined
  stats.connects++
  banner()
  connState('live', 'live')
  entities.setWindow(h.windowMs)
  setText(byId('lattice-name'), h.lattice)
  const acct = byId('account')
  setText(acct, `account ${shortKey(h.account)}`)
  acct.title = h.account
  byId('read-only').hidden = !h.readOnly
  setText(byId('foot'), `lattice ${h.version} · a frame every ${h.intervalMs / 1000} s`)
}

let lastFrame: Frame | undefined
function onFrame(f: Frame): void {
  const t0 = performance.now()
  stats.framesReceived++
  arrived()
  if (feedError) {
    feedError = undefined
    banner()
  }
  entities.addFrame(f)
  updateRolloutsLive(f)
  lastFrame = f
  pendingApplyMs += performance.now() - t0
  schedule()
}

// --- drawing ----------------------------------------------------------------------------------
let scheduled = false
let pendingApplyMs = 0

function schedule(): void {
  if (scheduled) return
  scheduled = true
  requestAnimationFrame(draw)
}

function draw(): void {
  scheduled = false
  const t0 = performance.now()
  entities.render()
  stats.lastApplyMs = pendingApplyMs + performance.now() - t0
  stats.maxApplyMs = Math.max(stats.maxApplyMs, stats.lastApplyMs)
  pendingApplyMs = 0
  stats.frames = stats.framesReceived
  stats.chartsCreated = entities.chartsCreated
  stats.chartsLive = entities.chartsLive()
  if (lastFrame && lastFrame.t !== stats.lastFrameT) {
    stats.lastFrameT = lastFrame.t
    stats.lastLagMs = Date.now() - lastFrame.t
    stats.draws++
    keep(stats.recentApplyMs, stats.lastApplyMs)
    keep(stats.recentLagMs, stats.lastLagMs)
    keep(stats.recentRedrawMs, entities.redrawMs)
    keep(stats.recentRedrawn, entities.redrawn)
  }
}

function keep(a: number[], x: number): void {
  a.push(x)
  if (a.length > 1000) a.splice(0, a.length - 1000)
}

let resizeTimer: ReturnType<typeof setTimeout> | undefined
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = setTimeout(() => entities.resize(), 200)
})

connect()
