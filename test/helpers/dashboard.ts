/** Run `lattice dashboard --port 0 --json` as a child process and talk HTTP to it. */
import type { ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { background } from './cli.js'

export interface RunningDashboard {
  url: string
  port: number
  token: string
  readOnly: boolean
  /** What the command warned about when it started (in its JSON line). */
  warnings: string[]
  proc: ChildProcess
  stderr: () => string
  stop(): Promise<number>
}

export async function startDashboard(args: string[], env: Record<string, string>): Promise<RunningDashboard> {
  const run = background(['dashboard', '--port', '0', '--json', '--interval', '1s', ...args], env)
  await run.waitFor(/\n/, 60_000, run.stdout)
  const info = JSON.parse(run.stdout().split('\n')[0]) as {
    url: string
    port: number
    readOnly: boolean
    warnings: string[]
  }
  return {
    ...info,
    token: new URL(info.url).searchParams.get('token') as string,
    proc: run.proc,
    stderr: run.stderr,
    async stop() {
      const timer = setTimeout(() => run.proc.kill('SIGKILL'), 15_000)
      const { code } = await run.stop('SIGINT')
      clearTimeout(timer)
      return code
    },
  }
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request with full control of the headers (Host, Origin): fetch would not allow them. */
export function http(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = ''
        res.on('data', (d) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer`)))
    if (opts.body !== undefined) req.write(opts.body)
    req.end()
  })
}

/** Read the SSE stream for `ms` (or until `until` holds on what was read), then close it. */
export function readEvents(
  port: number,
  token: string,
  opts: { ms: number; until?: (events: { event: string; data: unknown }[]) => boolean },
): Promise<{ text: string; events: { event: string; data: unknown }[] }> {
  return new Promise((resolve, reject) => {
    let text = ''
    const events: { event: string; data: unknown }[] = []
    const req = request(
      { host: '127.0.0.1', port, path: `/events?token=${token}`, headers: { Host: `127.0.0.1:${port}` } },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`/events: ${res.statusCode}`))
        let buffer = ''
        res.on('data', (d) => {
          text += d.toString()
          buffer += d.toString()
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = /^event: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (event && data) events.push({ event, data: JSON.parse(data) })
            end = buffer.indexOf('\n\n')
          }
          if (opts.until?.(events)) finish()
        })
      },
    )
    const finish = () => {
      clearTimeout(timer)
      req.destroy()
      resolve({ text, events })
    }
    const timer = setTimeout(finish, opts.ms)
    req.on('error', (e) => (text ? undefined : reject(e)))
    req.end()
  })
}
