/** What every benchmark returns, and the small helpers they share. */
import { spawn } from 'node:child_process'

export interface Section {
  title: string
  /** How it was measured, in a sentence or two. */
  method: string
  headers: string[]
  rows: string[][]
  /** Targets from the issue, each with whether this run met it. */
  checks: { label: string; pass: boolean }[]
}

export const RUNS = Number(process.env.BENCH_RUNS ?? 7)

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`

/** Wall time of a child process from spawn to exit (ms); rejects on a non-zero exit. */
export function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d.toString()))
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - start)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)),
    )
  })
}

const RSS_PRELOAD = new URL('./max-rss.mjs', import.meta.url).href

/** Like timeProcess for a node script, and the child's peak memory (maxRSS, KiB) as it exits. */
export function measureNode(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ms: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, ['--import', RSS_PRELOAD, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    })
    let err = ''
    let rss = ''
    child.stderr?.on('data', (d) => (err += d.toString()))
    ;(child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => (rss += d.toString()))
    child.on('close', (code) => {
      const ms = performance.now() - start
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${err}`))
      else resolve({ ms, maxRssKiB: Number(rss.trim()) })
    })
  })
}
