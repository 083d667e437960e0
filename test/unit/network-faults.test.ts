/** The pure parts of network-fault handling: which errors are the network's, what a cut-short change says, drift vs lattice's own unfinished change, server URL schemes. */
import { describe, expect, it } from 'vitest'
import { ExitCode, LatticeError } from '../../src/errors.js'
import { unfinishedChange } from '../../src/ops/unfinished.js'
import { connectionLost, isNetworkFault } from '../../src/resolver/link.js'
import { checkServerUrls } from '../../src/resolver/url.js'
import { type Head, driftedSubjects, ownUnfinishedNote } from '../../src/state/journal.js'

/** A nats.js client error as it escapes (a NatsError: message and code). */
const natsError = (code: string) => Object.assign(new Error(code), { code })

describe('network faults', () => {
  it("client errors of a failed connection and lattice errors of exit 5 are the network's; others are not", () => {
    for (const code of ['TIMEOUT', 'CONNECTION_CLOSED', 'DISCONNECT', 'ECONNRESET'])
      expect(isNetworkFault(natsError(code))).toBe(true)
    expect(isNetworkFault(new LatticeError('STATE_UNAVAILABLE', 'x'))).toBe(true)
    expect(isNetworkFault(new LatticeError('PUSH_REJECTED', 'x'))).toBe(false)
    expect(isNetworkFault(new TypeError('x is undefined'))).toBe(false)
  })
  it('a client error that escaped becomes CONNECTION_LOST (exit 5), naming the step', () => {
    const e = connectionLost(natsError('TIMEOUT'), 'checking what each server installed')
    expect(e.code).toBe('CONNECTION_LOST')
    expect(e.exitCode).toBe(ExitCode.CONNECTION)
    expect(e.message).toBe('The connection to NATS failed while checking what each server installed (TIMEOUT).')
  })
  it('a change cut short says what may be live, from how far it got', () => {
    const lost = () =>
      new LatticeError('CONNECTION_LOST', 'The connection to NATS was lost while asking the servers (x).')
    const at = (stage: 'before-push' | 'pushing' | 'pushed') =>
      unfinishedChange(lost(), stage, 'step', true) as LatticeError
    expect(at('before-push').message).toMatch(/Nothing was pushed: the routing is unchanged\.$/)
    expect(at('pushing').message).toMatch(/the change may be live\.$/)
    expect(at('pushing').hint).toMatch(/lattice status --servers/)
    expect(at('pushed').message).toMatch(/the change is live, but the command did not finish\.$/)
    expect(at('pushed').details).toMatchObject({ live: 'yes', step: 'step' })
    expect(at('pushed').exitCode).toBe(ExitCode.CONNECTION)
    // Not the network's fault: passed through as it is.
    const rejected = new LatticeError('PUSH_REJECTED', 'no')
    expect(unfinishedChange(rejected, 'pushing', 'step', true)).toBe(rejected)
  })
})

describe("lattice's own unfinished change is not drift", () => {
  const v1 = [{ subject: 'a.djE', weight: 100 }]
  const split = [
    { subject: 'a.djE', weight: 80 },
    { subject: 'a.djI', weight: 20 },
  ]
  const head = (pending?: Head['pending']): Head =>
    ({ revision: 3, mappings: { a: v1 }, ...(pending ? { pending } : {}) }) as Head
  const intent = (mappings: Record<string, typeof v1>, jwt = 'eyJ...') =>
    ({
      record: { revision: 4, who: { user: 'ann', host: 'ci' }, command: 'lattice shift', mappings },
      jwt,
      owner: { host: 'ci', pid: 1 },
      startedMs: 0,
    }) as unknown as Head['pending']
  it("live routing that matches the pending intent is lattice's own, said as such", () => {
    const h = head(intent({ a: split }))
    expect(driftedSubjects(h, { a: split })).toEqual([])
    expect(ownUnfinishedNote(h, { a: split })).toMatch(
      /^lattice's own change of revision 4 \(by ann@ci: lattice shift\) is live but not recorded yet/,
    )
  })
  it('anything else is drift: no intent, a reservation (no JWT yet), or routing the intent does not have', () => {
    expect(driftedSubjects(head(), { a: split })).toEqual(['a'])
    expect(driftedSubjects(head(intent({ a: split }, '')), { a: split })).toEqual(['a'])
    expect(driftedSubjects(head(intent({ a: split })), { a: [{ subject: 'a.djI', weight: 100 }] })).toEqual(['a'])
    expect(ownUnfinishedNote(head(), { a: split })).toBeUndefined()
  })
})

describe('server URLs', () => {
  it('nats, tls, ws, wss and bare host:port are taken', () => {
    for (const u of ['nats://h:4222', 'tls://h:4222', 'ws://h:8080', 'wss://h', 'h:4222', 'NATS://h:1,nats://g:2'])
      expect(() => checkServerUrls(u, '--server')).not.toThrow()
  })
  it('http:// (the monitoring port) is refused as USAGE, without credentials, naming where it came from and the client port', () => {
    let e: LatticeError | undefined
    try {
      checkServerUrls('nats://h:4222, http://bob:secret@mon.example:8222', '--server (NATS_URL)')
    } catch (err) {
      e = err as LatticeError
    }
    expect(e?.code).toBe('USAGE')
    expect(e?.exitCode).toBe(ExitCode.USAGE)
    expect(e?.message).toBe(
      '--server (NATS_URL) names http://mon.example:8222, which is not a NATS URL: its scheme http:// is not one of nats://, tls://, ws://, wss://.',
    )
    expect(e?.hint).toMatch(/monitoring port.*nats:\/\/mon\.example:4222/)
    expect(JSON.stringify(e?.toJSON())).not.toMatch(/secret|bob/)
    expect(() => checkServerUrls('ftp://h', 'x')).toThrow(/scheme ftp:\/\//)
  })
})
