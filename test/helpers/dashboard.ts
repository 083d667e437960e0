/** Run `lattice dashboard --port 0 --json` as a child process and talk HTTP to it. */
import { type ChildProcess, spawn } from 'node:child_process'
import { request } from 'node:http'
import { BIN, cleanEnv } from './cli.js'

export interface RunningDashboard {
  url: string
  port: number
  token: string
  readOnly: boolean
  /** What the command warned about when it started (in its JSON line). */
  warnings: string[]
  proc: ChildProcess
  stderr: () => string
  stop(): Promise<number | null>
}

export async function startDashboard(args: string[], env: Record<string, string>): Promise<RunningDashboard> {
  const proc = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', '--json', '--interval', '1s', ...args], { env: cleanEnv({ NO_COLOR: '1', ...env }), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stderr?.on('data', (d) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dashboard did not print its URL within 60 s:\n${out}\n${err}`)), 60_000)
    proc.stdout?.on('data', (d) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, nl))
      }
    })
    proc.once('exit', (code) => reject(new Error(`dashboard exited (${code}) before listening:\n${out}\n${err}`)))
  })
  const info = JSON.parse(line) as { url: string; port: number; readOnly: boolean; warnings: string[] }
  return {
    ...info,
    token: new URL(info.url).searchParams.get('token') as string,
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGINT')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      const code = await exited
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
export function http(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...opts.headers } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${path}: no answer`)))
    if (opts.body !== undefined) req.write(opts.body)
    req.end()
  })
}

/** Read the SSE stream for `ms` (or until `until` holds on what was read), then close it. */
export function readEvents(port: number, token: string, opts: { ms: number; until?: (events: { event: string; data: unknown }[]) => boolean }): Promise<{ text: string; events: { event: string; data: unknown }[] }> {
  return new Promise((resolve, reject) => {
    let text = ''
    const events: { event: string; data: unknown }[] = []
    const req = request({ host: '127.0.0.1', port, path: `/events?token=${token}`, headers: { Host: `127.0.0.1:${port}` } }, (res) => {
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
    })
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
