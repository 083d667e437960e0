import { describe, expect, it } from 'vitest'
import { allowedReplicas } from '../../src/resolver/jetstream.js'
import { isTransient, stateUnavailable } from '../../src/state/availability.js'
import { namingMissingServers, replicasOverride } from '../../src/state/placement.js'

describe('state availability', () => {
  it('retries what a leader election, a reconnect or an account just loaded explains, not a refusal', () => {
    for (const e of [
      Object.assign(new Error('503'), { code: '503' }),
      new Error('no responders available'),
      Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }),
      new Error('JetStream system temporarily unavailable'),
      new Error('stream is offline'),
      new Error('no suitable peers for placement'),
    ]) {
      expect(isTransient(e), e.message).toBe(true)
    }
    for (const e of [
      new Error('JetStream not enabled for account'),
      new Error('wrong last sequence: 4'),
      new Error('Permissions Violation for Publish to "$JS.API.STREAM.INFO.KV_x"'),
      new Error('insufficient resources'),
    ]) {
      expect(isTransient(e), e.message).toBe(false)
    }
  })

  it('the error says what is off and names the way through; no JetStream says to fix the creds', () => {
    const down = stateUnavailable(new Error('stream is offline'), 'opened')
    expect(down.code).toBe('STATE_UNAVAILABLE')
    expect(down.message).toMatch(
      /stream KV_lattice-state\) cannot be opened: stream is offline\. History and locking are off/,
    )
    expect(down.hint).toMatch(/--without-state/)
    const noJs = stateUnavailable(new Error('JetStream not enabled for account'), 'opened')
    expect(noJs.hint).toMatch(/--state-creds .* JetStream enabled/)
    const noResponders = stateUnavailable(Object.assign(new Error('503'), { code: '503' }), 'opened')
    expect(noResponders.message).toMatch(
      /cannot be opened: no JetStream answers for the --state-creds user's account\. History and locking are off\./,
    )
  })

  it('names the missing servers; JetStream silent while servers are missing is a cluster between leaders, not creds without JetStream', () => {
    const silent = () => stateUnavailable(Object.assign(new Error('503'), { code: '503' }), 'opened')
    const named = namingMissingServers(silent(), { online: ['n1', 'n3'], missing: ['n2'] })
    expect(named.message).toMatch(
      /cannot be opened: JetStream did not answer while servers are missing .*History and locking are off while it is unreachable\. JetStream servers not answering: n2 \(of n1, n2, n3\)\./,
    )
    expect(named.message).not.toMatch(/--state-creds/)
    expect(named.hint).toMatch(/Bring the missing servers back .*--without-state/)
    expect(named.details).toMatchObject({ missingServers: ['n2'], jetStreamServers: ['n1', 'n3'] })
    // Every server there and still silent: the account has no JetStream, as before.
    const allThere = namingMissingServers(silent(), { online: ['n1', 'n2', 'n3'], missing: [] })
    expect(allThere.message).toMatch(
      /no JetStream answers for the --state-creds user's account\. .*Every JetStream server answers \(n1, n2, n3\)\./,
    )
    expect(allThere.hint).toMatch(/--state-creds .* JetStream enabled/)
    // A stream offline keeps its own reason, with the servers named.
    const offline = namingMissingServers(stateUnavailable(new Error('stream is offline'), 'opened'), {
      online: ['n1'],
      missing: ['n2'],
    })
    expect(offline.message).toMatch(
      /stream KV_lattice-state\) cannot be opened: stream is offline\..* JetStream servers not answering: n2 \(of n1, n2\)\./,
    )
  })

  it('replicas: one per JetStream server (those down included) up to 3; LATTICE_STATE_REPLICAS checked', () => {
    expect(allowedReplicas({ online: ['n1'], missing: [], largestCluster: 1 })).toBe(1)
    expect(allowedReplicas({ online: ['n1', 'n2'], missing: ['n3'], largestCluster: 2 })).toBe(3)
    expect(allowedReplicas({ online: ['a', 'b', 'c', 'd', 'e'], missing: [], largestCluster: 5 })).toBe(3)
    expect(replicasOverride({})).toBeUndefined()
    expect(replicasOverride({ LATTICE_STATE_REPLICAS: '3' })).toBe(3)
    expect(() => replicasOverride({ LATTICE_STATE_REPLICAS: '0' })).toThrow(
      /LATTICE_STATE_REPLICAS=0 is not a replica count/,
    )
    expect(() => replicasOverride({ LATTICE_STATE_REPLICAS: 'three' })).toThrow(/INVALID_REPLICAS|not a replica count/)
  })
})
