/**
 * The services framework's $SRV answers as real services sent them (nats.js 2.29 in the v1
 * protocol, nats.go 1.22.1's older one), and answers no service would send, refused with why.
 */
import { describe, expect, it } from 'vitest'
import { compareVersions } from '../../src/services/discovery.js'
import { parseInfo, parseStats } from '../../src/services/srv-protocol.js'

// Captured from a nats.js 2.29.3 service: endpoint add, mul in group v1_1_0, sub (subject minus) in group grp with queue gq.
const V1_INFO =
  '{"type":"io.nats.micro.v1.info_response","name":"calc","id":"W10UPR35MS10HC7JC8OBVD","version":"1.0.0","description":"d","metadata":{"team":"x"},"endpoints":[{"subject":"add","metadata":{"m":"1"},"name":"add","queue_group":"q"},{"subject":"v1_1_0.mul","name":"mul","queue_group":"q"},{"subject":"grp.minus","name":"sub","queue_group":"gq"}]}'
const V1_STATS =
  '{"type":"io.nats.micro.v1.stats_response","name":"calc","id":"W10UPR35MS10HC7JC8OBVD","version":"1.0.0","started":"2026-12-06T23:29:58.793Z","metadata":{"team":"x"},"endpoints":[{"name":"add","subject":"add","average_processing_time":1500000,"num_errors":2,"num_requests":6,"processing_time":9000000,"last_error":"plain","queue_group":"q"},{"name":"mul","subject":"v1_1_0.mul","average_processing_time":1000000,"num_errors":0,"num_requests":1,"processing_time":1000000,"queue_group":"q"}]}'
// Captured from a nats.go 1.22.1 micro service (Debian bookworm): one endpoint, no type.
const GO_INFO =
  '{"name":"gocalc","id":"FFmv2KhjWOby9xl2kGqKVV","version":"1.0.0","description":"go svc","subject":"gocalc.add"}'
const GO_STATS =
  '{"name":"gocalc","id":"FFmv2KhjWOby9xl2kGqKVV","version":"1.0.0","num_requests":4,"num_errors":0,"last_error":"","processing_time":2334481,"average_processing_time":583620,"started":"2026-12-06T23:30:32Z"}'

describe('$SRV answers', () => {
  it('reads a v1 INFO: each endpoint with its subject and queue group', () => {
    expect(parseInfo(V1_INFO)).toEqual({
      name: 'calc',
      id: 'W10UPR35MS10HC7JC8OBVD',
      version: '1.0.0',
      endpoints: [
        { name: 'add', subject: 'add', queueGroup: 'q' },
        { name: 'mul', subject: 'v1_1_0.mul', queueGroup: 'q' },
        { name: 'sub', subject: 'grp.minus', queueGroup: 'gq' },
      ],
    })
  })

  it('reads nats.go 1.22 answers as one endpoint named after the service, queue group q', () => {
    expect(parseInfo(GO_INFO)).toMatchObject({
      endpoints: [{ name: 'gocalc', subject: 'gocalc.add', queueGroup: 'q' }],
    })
    expect(parseStats(GO_STATS)).toMatchObject({
      started: '2026-12-06T23:30:32Z',
      endpoints: [{ name: 'gocalc', requests: 4, errors: 0, processingNs: 2334481 }],
    })
  })

  it('reads v1 STATS counters per endpoint', () => {
    expect(parseStats(V1_STATS)).toMatchObject({
      started: '2026-12-06T23:29:58.793Z',
      endpoints: [
        { name: 'add', subject: 'add', requests: 6, errors: 2, processingNs: 9000000 },
        { name: 'mul', requests: 1, errors: 0 },
      ],
    })
  })

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a list', '[]', /not a JSON object/],
    ['another type', V1_INFO.replace('info_response', 'ping_response'), /is not io\.nats\.micro\.v1\.info_response/],
    ['no version', GO_INFO.replace('"version":"1.0.0",', ''), /version is missing/],
    ['a version that is not semver', GO_INFO.replace('1.0.0', '1.0'), /not a semantic version/],
    ['a name with a dot', GO_INFO.replace('"gocalc"', '"go.calc"'), /not a service name/],
    ['a subject with a space', GO_INFO.replace('gocalc.add', 'gocalc add'), /whitespace/],
    ['a subject with an empty token', GO_INFO.replace('gocalc.add', 'gocalc..add'), /empty token/],
    ['a 300-character subject', GO_INFO.replace('gocalc.add', 'a'.repeat(300)), /longer than 256/],
    ['endpoints that are not a list', V1_INFO.replace(/"endpoints":\[.*\]/, '"endpoints":{}'), /not a list/],
  ])('refuses %s, saying why', (_what, raw, why) => {
    const r = parseInfo(raw)
    expect('problem' in r && r.problem).toMatch(why)
  })

  it.each([
    ['a negative count', GO_STATS.replace('"num_requests":4', '"num_requests":-4'), /num_requests is not a count/],
    ['a fraction', GO_STATS.replace('"num_requests":4', '"num_requests":4.5'), /num_requests is not a count/],
    ['more errors than requests', GO_STATS.replace('"num_errors":0', '"num_errors":9'), /more errors than requests/],
    ['no start', GO_STATS.replace(',"started":"2026-12-06T23:30:32Z"', ''), /started is missing/],
  ])('refuses STATS with %s', (_what, raw, why) => {
    const r = parseStats(raw)
    expect('problem' in r && r.problem).toMatch(why)
  })

  it('orders versions as semver does', () => {
    expect(['1.10.0', '1.2.0', '1.2.0-rc.10', '1.2.0-rc.2', '0.9.1'].sort(compareVersions)).toEqual([
      '0.9.1',
      '1.2.0-rc.2',
      '1.2.0-rc.10',
      '1.2.0',
      '1.10.0',
    ])
  })
})
