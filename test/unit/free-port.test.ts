// Regression: a cluster port picked by bind(0) was released until its server bound it, and the
// server's own monitor (http: -1) took it first: "Error listening on router port ... address already in use".
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/server-process.js'

const range = (() => {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
  } catch {
    return undefined
  }
})()

describe('freePort', () => {
  it.skipIf(!range)('picks ports below the ephemeral range, never the same one twice', async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()))
    expect(new Set(ports).size).toBe(40)
    for (const p of ports) expect(p).toBeLessThan(range![0])
  })
})
