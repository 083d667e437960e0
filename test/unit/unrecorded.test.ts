/** The replay chain of pushes made --without-state, and the files that keep them on this machine. */
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Mappings } from '../../src/plan/routes.js'
import { localStateDir } from '../../src/state/machine-files.js'
import {
  type SavedPush,
  type UnrecordedPush,
  listUnrecorded,
  planReplay,
  replayedRecord,
  saveUnrecorded,
} from '../../src/state/unrecorded.js'

const ACCOUNT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ2345'
const m = (v2: number): Mappings => ({
  'wasmbus.rpc.default.MA': [
    { subject: 'wasmbus.rpc.default.MA.djE', weight: 100 - v2 },
    { subject: 'wasmbus.rpc.default.MA.djI', weight: v2 },
  ],
})
const who = { user: 'ops', host: 'laptop' }

function push(from: number, to: number, time: string): UnrecordedPush {
  return {
    account: ACCOUNT,
    reason: 'stream is offline',
    time,
    who,
    command: `lattice shift actor MA --to v2 --weight ${to} --without-state`,
    lattice: 'default',
    changes: [],
    before: m(from),
    mappings: m(to),
    jwtIat: 1,
    jwtHash: `hash-${to}`,
  }
}
const saved = (...pushes: UnrecordedPush[]): SavedPush[] => pushes.map((p, i) => ({ file: `f${i}`, push: p }))
const files = (xs: SavedPush[]) => xs.map((x) => x.file)

describe('planReplay', () => {
  const a = push(10, 20, '2026-01-01T00:00:01Z')
  const b = push(20, 30, '2026-01-01T00:00:02Z')

  it('nothing saved: nothing to do', () => {
    expect(planReplay({ mappings: m(10) }, [])).toEqual({ recorded: [], broken: [] })
  })

  it('records the first push when it started from the head, then the next one from the first one’s result', () => {
    const all = saved(a, b)
    const one = planReplay({ mappings: m(10), jwtHash: 'hash-10' }, all)
    expect(one.next?.file).toBe('f0')
    expect(one.broken).toEqual([])
    // After recording a, the head is a's result: b follows on.
    const two = planReplay({ mappings: m(20), jwtHash: 'hash-20' }, all)
    expect(files(two.recorded)).toEqual(['f0'])
    expect(two.next?.file).toBe('f1')
    const done = planReplay({ mappings: m(30), jwtHash: 'hash-30' }, all)
    expect(files(done.recorded)).toEqual(['f0', 'f1'])
    expect(done.next).toBeUndefined()
  })

  it('the head moved on elsewhere: the first push and every one after it are broken, none replayed', () => {
    const p = planReplay({ mappings: m(50), jwtHash: 'hash-50' }, saved(a, b))
    expect(p.next).toBeUndefined()
    expect(files(p.broken)).toEqual(['f0', 'f1'])
  })

  it('a break in the middle of the chain: what came before is recorded, the rest is broken', () => {
    const c = push(99, 40, '2026-01-01T00:00:03Z') // started from routing nobody recorded
    expect(files(planReplay({ mappings: m(30), jwtHash: 'hash-30' }, saved(a, b, c)).broken)).toEqual(['f2'])
  })

  it('a push whose JWT is the head (recorded by another command, e.g. as drift) is not recorded again', () => {
    const p = planReplay({ mappings: m(20), jwtHash: 'hash-20' }, saved(a))
    expect(files(p.recorded)).toEqual(['f0'])
    expect(p.next).toBeUndefined()
    expect(p.broken).toEqual([])
  })

  it('the revision keeps the original time, who and command, and is marked', () => {
    const r = replayedRecord(a, 7, { user: 'ci', host: 'runner' })
    expect(r).toMatchObject({
      revision: 7,
      kind: 'change',
      time: a.time,
      who,
      command: a.command,
      mappings: m(20),
      pushedWithoutState: true,
      completedBy: { user: 'ci', host: 'runner' },
    })
  })
})

describe('saved pushes on this machine', () => {
  const before = process.env.LATTICE_STATE_DIR
  beforeEach(() => {
    process.env.LATTICE_STATE_DIR = mkdtempSync(join(tmpdir(), 'lattice-unit-state-'))
  })
  afterEach(() => {
    if (before === undefined) delete process.env.LATTICE_STATE_DIR
    else process.env.LATTICE_STATE_DIR = before
  })

  it('the local state dir: LATTICE_STATE_DIR, else XDG_STATE_HOME/lattice, else ~/.local/state/lattice', () => {
    expect(localStateDir({ LATTICE_STATE_DIR: '/x' })).toBe('/x')
    expect(localStateDir({ XDG_STATE_HOME: '/s' })).toBe('/s/lattice')
    expect(localStateDir({})).toMatch(/\/\.local\/state\/lattice$/)
  })

  it('are private, listed oldest first, and never hold a seed', () => {
    const seed = `SO${'A'.repeat(56)}`
    const later = saveUnrecorded({
      ...push(20, 30, '2026-01-01T00:00:02Z'),
      command: `lattice shift --signing-key ${seed}`,
    })
    const earlier = saveUnrecorded(push(10, 20, '2026-01-01T00:00:01Z'))
    expect(listUnrecorded(ACCOUNT).map((s) => s.file)).toEqual([earlier, later])
    expect(listUnrecorded('AOTHER')).toEqual([])
    expect(statSync(later).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(later)).mode & 0o777).toBe(0o700)
    expect(readFileSync(later, 'utf8')).not.toContain(seed)
  })
})
