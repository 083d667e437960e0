/** The deadline's parts that need no clock: parsing --timeout, the backoff's bounds, the error. */
import { describe, expect, it } from 'vitest'
import { Deadline, parseTimeout } from '../../src/deadline.js'
import { ExitCode, LatticeError } from '../../src/errors.js'
import { backoffMs } from '../../src/resolver/connection.js'

describe('--timeout', () => {
  it('takes a duration, or 0 / none for no deadline; 30s by default', () => {
    expect(parseTimeout(undefined)).toBe(30_000)
    expect(parseTimeout('1m30s')).toBe(90_000)
    expect(parseTimeout('0')).toBeUndefined()
    expect(parseTimeout('none')).toBeUndefined()
    expect(() => parseTimeout('soon')).toThrow(/--timeout "soon" is not a duration/)
  })
})

describe('backoff', () => {
  it('is jittered between 0 and an exponential step capped at 2 s', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, () => 1))).toEqual([100, 200, 400, 800, 1600, 2000])
    expect(backoffMs(3, () => 0)).toBe(0)
    expect(backoffMs(3, () => 0.5)).toBe(200)
  })
})

describe('Deadline', () => {
  it('names the step under way, exits 5, and carries the step for --json', () => {
    const d = new Deadline(3000)
    d.at('pushing the account JWT', 'The change may be live.')
    const e = d.expired()
    expect(e).toBeInstanceOf(LatticeError)
    expect(e.code).toBe('DEADLINE')
    expect(e.exitCode).toBe(ExitCode.CONNECTION)
    expect(e.message).toBe('Gave up after 3s (--timeout) while pushing the account JWT: no answer came.')
    expect(e.hint).toBe('The change may be live.')
    expect(e.details).toEqual({ step: 'pushing the account JWT', timeoutMs: 3000, observed: 'no answer' })
  })
  it('says what the connections saw: no answer over a live connection, or a connection lost', () => {
    const d = new Deadline(3000)
    d.at('recording the intent of revision 4')
    expect(d.expired().hint).toMatch(
      /^The connection stayed up but no answer came: a server that accepts connections but does not answer/,
    )
    const conn = {}
    d.observe(conn, 'the connection to NATS at nats://h:4222 was lost and not regained')
    const lost = d.expired()
    expect(lost.message).toBe(
      'Gave up after 3s (--timeout) while recording the intent of revision 4: the connection to NATS at nats://h:4222 was lost and not regained.',
    )
    expect(lost.hint).toMatch(/^The server went away/)
    expect(lost.hint).not.toMatch(/accepts connections but does not answer/)
    expect(lost.details).toMatchObject({ observed: 'connection lost' })
    d.observe(conn, undefined) // reconnected
    expect(d.expired().details).toMatchObject({ observed: 'no answer' })
  })
  it('no deadline never runs out', async () => {
    const d = Deadline.none()
    expect(d.remainingMs()).toBe(Infinity)
    expect(await d.within(async () => 7)).toBe(7)
    expect(await d.phase('x', async () => 8)).toBe(8)
  })
})
