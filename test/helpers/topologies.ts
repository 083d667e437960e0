/**
 * The topology tests' measured table (.cache/topologies/<server version>.md, the source of the
 * table in docs/topologies.md) and what they read from lattice's answers.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { json, type lattice } from './cli.js'
import { serverVersion } from './server-version.js'

const TABLE = join(process.cwd(), '.cache', 'topologies', `${serverVersion()}.md`)

/** One row of the measured table. */
export function record(
  topology: string,
  hosts: string,
  caller: string,
  said: string,
  r: { answered: number; executions: Record<string, number>; total: number },
) {
  mkdirSync(join(process.cwd(), '.cache', 'topologies'), { recursive: true })
  const split = Object.entries(r.executions)
    .sort()
    .map(([v, n]) => `${v} ${n}`)
    .join(' / ')
  appendFileSync(TABLE, `| ${topology} | ${hosts} | ${caller} | ${said} | ${r.answered} | ${r.total} | ${split} |\n`)
}

export const errorOf = (r: Awaited<ReturnType<typeof lattice>>) =>
  json<{
    error: {
      code: string
      message: string
      hint: string
      details: { bypassed?: { name: string; kind: string; reason: string }[] }
    }
  }>(r).error
// 2.9 names no leaf in LEAFZ: lattice names it by its address.
export const near = (x: number, target: number, tolerance: number) =>
  expect(Math.abs(x - target), `${x} not within ${tolerance} of ${target}`).toBeLessThanOrEqual(tolerance)
