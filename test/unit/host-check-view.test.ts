import { describe, expect, it } from 'vitest'
import { COLOUR } from '../../src/views/colour.js'
import { renderHostCheck } from '../../src/views/host-check-view.js'
import type { HostCheckResult } from '../../src/ops/host-check.js'

const result = (outcome: 'pass' | 'fail'): HostCheckResult => ({
  host: 'host-a',
  lattice: 'default',
  entity: 'actor MB',
  version: 'v2',
  subjects: { unversioned: 'wasmbus.rpc.default.MB', versioned: 'wasmbus.rpc.default.MB.djI' },
  queue: 'MB',
  connections: [{ server: 'n1', cid: 4, name: 'host-core host-a' }],
  requirements: [
    { id: 'HP-QUEUE', level: 'MUST', outcome, observed: 'observed here' },
    { id: 'HP-ONLY-OWN', level: 'MUST NOT', outcome: 'pass', observed: 'fine' },
    { id: 'HP-METRICS', level: 'SHOULD', outcome: 'fail', observed: 'no report' },
    { id: 'HP-DRAIN', level: 'MUST', outcome: 'skipped', observed: 'skipped (pass --stop)' },
  ],
  conformant: outcome === 'pass',
})

describe('host check view', () => {
  it('one aligned line per requirement: level, id, outcome, what was observed', () => {
    const lines = renderHostCheck(result('pass')).split('\n')
    expect(lines).toContain('MUST      HP-QUEUE     pass     observed here')
    expect(lines).toContain('MUST NOT  HP-ONLY-OWN  pass     fine')
    expect(lines).toContain('SHOULD    HP-METRICS   fail     no report')
    expect(lines).toContain('MUST      HP-DRAIN     skipped  skipped (pass --stop)')
    expect(lines.at(-1)).toBe('conformant: every MUST passed')
    expect(lines[2]).toBe('  connection n1 cid 4 "host-core host-a"')
  })
  it('a failed MUST in red, a failed SHOULD in yellow; the verdict says not conformant', () => {
    const text = renderHostCheck(result('fail'), COLOUR)
    expect(text).toContain('HP-QUEUE     \x1b[31mfail   \x1b[39m')
    expect(text).toContain('HP-METRICS   \x1b[33mfail   \x1b[39m')
    expect(text).toContain('\x1b[31mNOT conformant: a MUST failed\x1b[39m')
  })
})
