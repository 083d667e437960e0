import { describe, expect, it } from 'vitest'
import { allowedReplicas } from '../../src/resolver/jetstream.js'
import { isTransient, stateUnavailable } from '../../src/state/availability.js'
import { replicasOverride } from '../../src/state/placement.js'

describe('state availability', () => {
  it('retries what a leader election, a reconnect or an account just loaded explains, not a refusal', () => {
    for (const e of [Object.assign(new Error('503'), { code: '503' }), new Error('no responders available'), Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }), new Error('JetStream system temporarily unavailable'), new Error('stream is offline'), new Error('no suitable peers for placement')]) {
      expect(isTransient(e), e.message).toBe(true)
    }
    for (const e of [new Error('JetStream not enabled for account'), new Error('wrong last sequence: 4'), new Error('Permissions Violation for Publish to "$JS.API.STREAM.INFO.KV_x"'), new Error('insufficient resources')]) {
      expect(isTransient(e), e.message).toBe(false)
    }
  })

  it('the error says what is off and names the way through; no JetStream says to fix the creds', () => {
    const down = stateUnavailable(new Error('stream is offline'), 'opened')
    expect(down.code).toBe('STATE_UNAVAILABLE')
    expect(down.message).toMatch(/stream KV_lattice-state\) cannot be opened: stream is offline\. History and locking are off/)
    expect(down.hint).toMatch(/--without-state/)
    const noJs = stateUnavailable(new Error('JetStream not enabled for account'), 'opened')
    expect(noJs.hint).toMatch(/--state-creds .* JetStream enabled/)
    const noResponders = stateUnavailable(Object.assign(new Error('503'), { code: '503' }), 'opened')
    expect(noResponders.message).toMatch(/cannot be opened: no JetStream answers for the --state-creds user's account\. History and locking are off\./)
  })

  it('replicas: one per JetStream server (those down included) up to 3; LATTICE_STATE_REPLICAS checked', () => {
    expect(allowedReplicas({ online: ['n1'], missing: [] })).toBe(1)
    expect(allowedReplicas({ online: ['n1', 'n2'], missing: ['n3'] })).toBe(3)
    expect(allowedReplicas({ online: ['a', 'b', 'c', 'd', 'e'], missing: [] })).toBe(3)
    expect(replicasOverride({})).toBeUndefined()
    expect(replicasOverride({ LATTICE_STATE_REPLICAS: '3' })).toBe(3)
    expect(() => replicasOverride({ LATTICE_STATE_REPLICAS: '0' })).toThrow(/LATTICE_STATE_REPLICAS=0 is not a replica count/)
    expect(() => replicasOverride({ LATTICE_STATE_REPLICAS: 'three' })).toThrow(/INVALID_REPLICAS|not a replica count/)
  })
})
