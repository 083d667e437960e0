import { describe, expect, it } from 'vitest'
import { skippedLine } from '../support/summary-reporter.js'

describe('the summary of skipped tests', () => {
  it('counts them by reason, the most frequent first', () => {
    const reasons = [
      ...Array(20).fill('nats-server 2.9.10 is older than 2.9.22'),
      'no Chromium at /x',
      'no Chromium at /x',
      'no Chromium at /x',
    ]
    expect(skippedLine(reasons)).toBe('23 skipped: nats-server 2.9.10 is older than 2.9.22 (20), no Chromium at /x (3)')
    expect(skippedLine(['b', 'a'])).toBe('2 skipped: a (1), b (1)')
  })
  it('says nothing when nothing was skipped', () => {
    expect(skippedLine([])).toBe('')
  })
})
