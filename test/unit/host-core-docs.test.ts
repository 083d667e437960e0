/** docs/host-core.md stays true to host-core: its complete example is the example file, its defaults table the defaults. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_METRICS_INTERVAL_MS,
  HOST_CONNECTION_DEFAULTS,
  LATENCY_BOUNDS_MS,
  PROBE_HEADER,
  metricsSubject,
} from '../../src/host-core/index.js'

const doc = readFileSync(new URL('../../docs/host-core.md', import.meta.url), 'utf8')

describe('docs/host-core.md', () => {
  it('shows examples/host/host.mjs as it is', () => {
    const example = readFileSync(new URL('../../examples/host/host.mjs', import.meta.url), 'utf8')
    const section = doc.slice(doc.indexOf('## A complete host'))
    const block = /```js\n([\s\S]*?)```/.exec(section)?.[1]
    expect(block).toBe(example)
  })
  it('lists host-core connection defaults as they are', () => {
    const d = HOST_CONNECTION_DEFAULTS
    expect(doc).toContain(`| \`maxReconnectAttempts\` | \`${d.maxReconnectAttempts}\` (forever)`)
    expect(doc).toContain(`| \`reconnectTimeWait\` | ${d.reconnectTimeWait} ms`)
    expect(doc).toContain(
      `| \`reconnectJitter\` / \`reconnectJitterTLS\` | ${d.reconnectJitter} / ${d.reconnectJitterTLS} ms`,
    )
    expect(doc).toContain(`| \`pingInterval\` / \`maxPingOut\` | ${d.pingInterval / 1000} s / ${d.maxPingOut}`)
  })
  it('describes the metrics as they are', () => {
    const section = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('## Throughput'))
    expect(section).toContain(metricsSubject('{lattice}', '{hostId}'))
    expect(section).toContain(`**\`${PROBE_HEADER}\`**`)
    expect(section).toContain(`| \`intervalMs\` | ${DEFAULT_METRICS_INTERVAL_MS} |`)
    expect(section).toContain(`index \`LATENCY_BOUNDS_MS.length\` (${LATENCY_BOUNDS_MS.length})`)
    expect(section).toContain(`up to about ${Math.round(LATENCY_BOUNDS_MS.at(-1)! / 1000)} s`)
    // The pasted report is one the current code could have published: every field it has, and no other.
    const pasted = JSON.parse(/```json\n(.*)\n```/.exec(section)![1])
    expect(Object.keys(pasted)).toEqual(['v', 'lattice', 'host', 'startedAt', 'seq', 'time', 'intervalMs', 'versions'])
    expect(Object.keys(pasted.versions[0])).toEqual([
      'kind',
      'id',
      'version',
      'instances',
      'calls',
      'errors',
      'sumMs',
      'latency',
    ])
  })
})
