/** The dashboard's HTTP server alone (a stand-in feed, no NATS): the SSE order, slow clients, body limits. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ActionAnswer, Frame } from '../../src/dashboard/model.js'
import { CLIENT_BUFFER_LIMIT, DashboardServer } from '../../src/dashboard/server.js'

const pageDir = mkdtempSync(join(tmpdir(), 'dash-page-'))
writeFileSync(join(pageDir, 'index.html'), '<!doctype html><title>t</title>')
writeFileSync(join(pageDir, 'app.js'), 'console.log(1)')
const TOKEN = 'test-token'
const hello = { lattice: 'default', account: 'A', readOnly: false, version: '0', intervalMs: 1000, windowMs: 900_000 }
let servers: DashboardServer[] = []
const acted: unknown[] = []

async function start(readOnly = false): Promise<DashboardServer> {
  const s = new DashboardServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    readOnly,
    pageDir,
    hello: { ...hello, readOnly },
    feed: {
      latest: { rollouts: { rollouts: [] }, servers: { servers: [], warnings: [] } },
      backfill: () => ({ t: [1], series: {} }),
      act: async (path, body): Promise<ActionAnswer> => {
        acted.push([path, body])
        return { ok: true, message: 'done' }
      },
    },
  })
  await s.listen()
  servers.push(s)
  return s
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers = []
  acted.length = 0
})

function get(port: number, path: string): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }))
    })
      .on('error', reject)
      .end()
  })
}

const bigFrame = (): Frame => ({
  t: Date.now(),
  entities: [
    { key: 'k', entity: { kind: 'component', id: 'k' }, label: 'x'.repeat(1024 * 1024), scheme: 'wRPC', versions: [] },
  ],
})

describe('dashboard server', () => {
  it('sends hello, backfill, then the latest rollouts and servers on connect', async () => {
    const s = await start()
    const text = await new Promise<string>((resolve) => {
      let got = ''
      const req = request({ host: '127.0.0.1', port: s.port, path: `/events?token=${TOKEN}` }, (res) => {
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
        res.on('data', (d) => {
          got += d
          if (got.includes('event: servers')) {
            req.destroy()
            resolve(got)
          }
        })
      })
      req.end()
    })
    expect([...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1])).toEqual(['hello', 'backfill', 'rollouts', 'servers'])
  })

  it('drops a client that does not read once its buffer passes the limit; one that reads stays', async () => {
    const s = await start()
    // A client that never reads.
    const slow = connect(s.port, '127.0.0.1')
    slow.write(`GET /events?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`)
    slow.pause()
    // One that reads everything.
    let read = 0
    const fast = request({ host: '127.0.0.1', port: s.port, path: `/events?token=${TOKEN}` }, (res) =>
      res.on('data', (d: Buffer) => (read += d.length)),
    )
    fast.end()
    const end = Date.now() + 30_000
    while (s.clientCount < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(s.clientCount).toBe(2)
    // Far more than the limit, in 1 MB events; the slow one must go long before.
    const sent = (3 * CLIENT_BUFFER_LIMIT) / (1024 * 1024)
    for (let i = 0; i < sent && s.clientCount === 2; i++) {
      s.broadcast('frame', bigFrame())
      await new Promise((r) => setTimeout(r, 20))
    }
    while (s.clientCount > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(s.clientCount).toBe(1)
    expect(read).toBeGreaterThan(0)
    slow.destroy()
    fast.destroy()
  }, 60_000)

  it('serves assets with their content type, and only files under the page directory', async () => {
    const s = await start()
    expect(await get(s.port, '/assets/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
    expect((await get(s.port, '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd')).status).toBe(404)
    expect((await get(s.port, '/assets/')).status).toBe(404)
  })

  it('refuses a POST in read-only mode before reading it, and an oversized body', async () => {
    const ro = await start(true)
    const post = (port: number, body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/rollback',
            headers: { 'Content-Type': 'application/json', 'X-Lattice-Token': TOKEN },
          },
          (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    expect(await post(ro.port, '{"revision":1}')).toBe(403)
    const rw = await start()
    expect(await post(rw.port, JSON.stringify({ revision: 1, pad: 'x'.repeat(64 * 1024) }))).toBe(413)
    expect(await post(rw.port, '{"revision":1}')).toBe(200)
    expect(acted).toEqual([['/api/rollback', { revision: 1 }]])
  })
})
