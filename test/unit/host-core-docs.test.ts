/** docs/host-core.md stays true to host-core: its complete example is the example file, its defaults table the defaults. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HOST_CONNECTION_DEFAULTS } from '../../src/host-core/index.js'

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
    expect(doc).toContain(`| \`reconnectJitter\` / \`reconnectJitterTLS\` | ${d.reconnectJitter} / ${d.reconnectJitterTLS} ms`)
    expect(doc).toContain(`| \`pingInterval\` / \`maxPingOut\` | ${d.pingInterval / 1000} s / ${d.maxPingOut}`)
  })
})
