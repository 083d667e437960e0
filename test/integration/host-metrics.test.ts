/**
 * host-core's metrics against a real server: real calls (through a mapping and directly),
 * failing and slow handlers, probes left out, the reports on wasmbus.metrics.{lattice}.*, the
 * final report on close, and the Prometheus text over HTTP.
 */
import { type Msg, type MsgHdrs, type NatsConnection, connect, credsAuthenticator, headers } from 'nats'
import { encodeUser, fmtCreds } from 'nats-jwt'
import { createUser } from 'nkeys.js'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  Host,
  LATENCY_BOUNDS_MS,
  type MetricsReport,
  PROBE_HEADER,
  type VersionMetrics,
  metricsWildcard,
  versionedSubject,
} from '../../src/host-core/index.js'
import { shift } from '../../src/ops/shift.js'
import { probe } from '../../src/traffic/probe.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { sleep } from '../helpers/nats-server.js'
import { type HostStartOptions, useTestLattice } from '../helpers/test-lattice.js'
import { callMany as callManyOn } from '../helpers/traffic.js'

const t = useTestLattice()
let client: NatsConnection
beforeAll(async () => {
  client = await t.connect()
})

const newHost = (hostId: string, extra: Partial<HostStartOptions> = {}) => t.host(hostId, { logger: false, ...extra })

/** Every report published in the lattice, per host, in arrival order. */
function collectReports(): { reports: Map<string, MetricsReport[]>; stop: () => void } {
  const reports = new Map<string, MetricsReport[]>()
  const sub = client.subscribe(metricsWildcard('default'), {
    callback: (_e, m: Msg) => {
      const r = m.json<MetricsReport>()
      reports.set(r.host, [...(reports.get(r.host) ?? []), r])
    },
  })
  return { reports, stop: () => sub.unsubscribe() }
}

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** Send `n` requests (20 at a time); count replies by body, and error replies. */
const callMany = (subject: string, n: number, payload = '', headers?: MsgHdrs) =>
  callManyOn(client, subject, n, { concurrency: 20, timeoutMs: 10_000, payload, headers })

/** A Node timer can fire a little early (its clock is the event loop's, read before the callback ran). */
async function sleepAtLeast(ms: number): Promise<void> {
  const start = performance.now()
  for (let left = ms; left > 0; left = ms - (performance.now() - start)) await sleep(Math.ceil(left))
}

const pick = (r: MetricsReport | undefined, version: string, id: string) =>
  r?.versions.find((v) => v.version === version && v.id === id)
const sumCounts = (v: VersionMetrics) => v.latency.reduce((n, [, k]) => n + k, 0)

describe('host-core metrics', () => {
  it('reports real calls per version: through a mapping and directly, errors, latency; probes left out; a final report on close', async () => {
    const actor = newActorId()
    const provider = newProviderId()
    const { reports, stop } = collectReports()
    const host = await newHost('metrics-a', { metrics: { intervalMs: 200, prometheusPort: 0 } })
    const SLOW_MS = 30
    let slowStarted = 0
    let gate = Promise.resolve()
    await host.startActor({
      id: actor,
      version: 'v1',
      count: 2,
      handler: (req) => {
        if (req.string() === 'fail') throw new Error('failed on purpose')
        return 'v1'
      },
    })
    await host.startActor({
      id: actor,
      version: 'v2',
      handler: async () => {
        slowStarted++
        await sleepAtLeast(SLOW_MS)
        await gate
        return 'v2'
      },
    })
    // A wrong return type is answered as an error, and counted as one.
    await host.startProvider({
      id: provider,
      link: 'db',
      version: '0.1.0',
      handler: (req) => (req.string() === 'bad' ? ({} as unknown as string) : 'p'),
    })
    await t.withSession((s) =>
      shift(s, { entity: { kind: 'actor', id: actor }, from: 'v1', to: 'v2', weight: 50 }, { dryRun: false }),
    )

    const mapped = await callMany(`wasmbus.rpc.default.${actor}`, 200)
    expect(mapped.errors).toBe(0)
    expect(mapped.bodies.v1).toBeGreaterThan(40) // the mapping splits the calls
    expect(mapped.bodies.v2).toBeGreaterThan(40)
    const v1Subject = versionedSubject('default', { kind: 'actor', id: actor }, 'v1')
    const v2Subject = versionedSubject('default', { kind: 'actor', id: actor }, 'v2')
    const direct = await callMany(v1Subject, 30)
    expect(direct.bodies).toEqual({ v1: 30 }) // straight to v1, past the mapping
    const failed = await callMany(v1Subject, 12, 'fail')
    expect(failed.errors).toBe(12)
    const providerOk = await callMany(`wasmbus.rpc.default.${provider}.db`, 7)
    const providerBad = await callMany(`wasmbus.rpc.default.${provider}.db`, 3, 'bad')
    expect([providerOk.bodies.p, providerBad.errors]).toEqual([7, 3])

    // Probes: answered, not counted. lattice's own probe sends the header; any case and value count.
    const probed = await probe(client, v1Subject, { payload: 'ping', count: 25, timeoutMs: 10_000 })
    expect(probed.ok).toBe(25)
    expect((await probe(client, v2Subject, { payload: 'ping', count: 5, timeoutMs: 10_000 })).ok).toBe(5)
    const lower = headers()
    lower.set(PROBE_HEADER.toLowerCase(), '')
    expect((await callMany(v1Subject, 5, 'fail', lower)).errors).toBe(5) // a failing probe is no error either

    const v1Calls = mapped.bodies.v1 + 30 + 12
    const v2Calls = mapped.bodies.v2
    const expected = (r: MetricsReport | undefined) =>
      pick(r, 'v1', actor)?.calls === v1Calls &&
      pick(r, 'v2', actor)?.calls === v2Calls &&
      pick(r, '0.1.0', provider)?.calls === 10
    const report = await waitFor('a report with every call', () => reports.get('metrics-a')?.find(expected))
    // Nothing more came in after the last real call: the counts settle exactly there.
    const v1 = pick(report, 'v1', actor)!
    const v2 = pick(report, 'v2', actor)!
    const p = pick(report, '0.1.0', provider)!
    expect(v1).toMatchObject({ kind: 'actor', id: actor, version: 'v1', calls: v1Calls, errors: 12 })
    expect(v1).not.toHaveProperty('link')
    expect(v2).toMatchObject({ kind: 'actor', version: 'v2', calls: v2Calls, errors: 0 })
    expect(p).toMatchObject({ kind: 'provider', id: provider, link: 'db', version: '0.1.0', calls: 10, errors: 3 })
    for (const v of [v1, v2, p]) {
      expect(sumCounts(v)).toBe(v.calls)
      expect(v.latency.map(([i]) => i)).toEqual([...v.latency.map(([i]) => i)].sort((a, b) => a - b))
    }
    // The slow version's calls all land in buckets that reach past its sleep.
    for (const [i] of v2.latency) expect(LATENCY_BOUNDS_MS[i] ?? Infinity).toBeGreaterThanOrEqual(SLOW_MS)
    expect(v2.sumMs!).toBeGreaterThanOrEqual(SLOW_MS * v2Calls)

    const mine = reports.get('metrics-a')!
    expect(mine.map((r) => r.seq)).toEqual(mine.map((_, i) => i + 1)) // from 1, none skipped
    for (const r of mine)
      expect(r).toMatchObject({
        v: 1,
        lattice: 'default',
        host: 'metrics-a',
        startedAt: host.startedAt,
        intervalMs: 200,
      })
    for (let i = 1; i < mine.length; i++) expect(mine[i].time).toBeGreaterThanOrEqual(mine[i - 1].time)
    // Counters are cumulative: never smaller in a later report.
    for (let i = 1; i < mine.length; i++)
      for (const v of mine[i - 1].versions)
        expect(pick(mine[i], v.version, v.id)!.calls).toBeGreaterThanOrEqual(v.calls)

    // The Prometheus text says the same.
    expect(host.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    const res = await fetch(host.metricsUrl!)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    const labels = (v: string, id = actor) =>
      `lattice="default",host="metrics-a",kind="actor",id="${id}",version="${v}"`
    expect(text).toContain(`lattice_calls_total{${labels('v1')}} ${v1Calls}\n`)
    expect(text).toContain(`lattice_call_errors_total{${labels('v1')}} 12\n`)
    expect(text).toContain(`lattice_call_duration_seconds_bucket{${labels('v2')},le="+Inf"} ${v2Calls}\n`)
    expect(text).toContain(`lattice_call_duration_seconds_count{${labels('v2')}} ${v2Calls}\n`)
    expect(text).toContain(
      `lattice_call_errors_total{lattice="default",host="metrics-a",kind="provider",id="${provider}",link="db",version="0.1.0"} 3\n`,
    )
    const sum = Number(new RegExp(`lattice_call_duration_seconds_sum\\{${labels('v2')}\\} (\\S+)`).exec(text)![1])
    expect(sum).toBeGreaterThanOrEqual((SLOW_MS * v2Calls) / 1000)
    expect((await fetch(host.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404)
    expect(host.metrics().versions.find((v) => v.version === 'v1')!.calls).toBe(v1Calls)

    // Calls still running at close() are in the final report, published after they finish.
    let release = () => undefined as void
    gate = new Promise((r) => (release = r))
    const before = slowStarted
    const inFlight = Array.from({ length: 5 }, () => client.request(v2Subject, '', { timeout: 10_000 }))
    await waitFor('5 slow calls to start', () => (slowStarted === before + 5 ? true : undefined))
    const count = mine.length
    const url = host.metricsUrl!
    const closing = host.close()
    release()
    await closing
    expect((await Promise.all(inFlight)).map((m) => m.string())).toEqual(['v2', 'v2', 'v2', 'v2', 'v2'])
    const last = await waitFor('the final report', () =>
      reports.get('metrics-a')?.find((r) => pick(r, 'v2', actor)?.calls === v2Calls + 5),
    )
    expect(last.seq).toBeGreaterThan(count)
    expect(last.versions.map((v) => v.version).sort()).toEqual(['0.1.0', 'v1', 'v2']) // stopped versions stay listed
    expect(reports.get('metrics-a')!.at(-1)).toEqual(last)
    await expect(fetch(url)).rejects.toThrow()
    stop()
  })

  it('publishes by default every second, and not at all with metrics: false', async () => {
    const { reports, stop } = collectReports()
    const actor = newActorId()
    const on = await newHost('metrics-default')
    const off = await newHost('metrics-off', { metrics: false })
    for (const h of [on, off]) await h.startActor({ id: actor, version: 'v1', handler: () => 'ok' })
    await callMany(`wasmbus.rpc.default.${actor}`, 20)
    const r = await waitFor('a report from the default host', () =>
      reports.get('metrics-default')?.find((x) => pick(x, 'v1', actor)?.calls !== undefined),
    )
    expect(r.intervalMs).toBe(1000)
    const total = (h: Host) => h.metrics().versions.reduce((n, v) => n + v.calls, 0)
    expect(total(on) + total(off)).toBe(20) // host.metrics() counts either way
    expect(off.metricsUrl).toBeUndefined()
    await waitFor('a second report', () => ((reports.get('metrics-default')?.length ?? 0) >= 2 ? true : undefined))
    expect(reports.has('metrics-off')).toBe(false)
    stop()
  })

  it('a user who may not publish the reports: calls are served, the denial is logged once, not per report', async () => {
    const user = createUser()
    const jwt = await encodeUser('no-metrics', user, t.l.id.app, { pub: { allow: ['>'], deny: ['wasmbus.metrics.>'] } })
    const nc = await connect({ servers: t.l.url, authenticator: credsAuthenticator(fmtCreds(jwt, user)) })
    t.track('conn', () => nc.close())
    const lines: string[] = []
    let errorEvents = 0
    const log = (m: string) => void lines.push(m)
    const host = await t.host('metrics-denied', {
      nc,
      metrics: { intervalMs: 20 },
      logger: { info: log, warn: log, error: log },
      onConnectionEvent: (e) => void (e.type === 'error' && errorEvents++),
    })
    const actor = newActorId()
    await host.startActor({ id: actor, version: 'v1', handler: () => 'ok' })
    expect((await callMany(`wasmbus.rpc.default.${actor}`, 10)).bodies).toEqual({ ok: 10 })
    await waitFor('five denied reports', () => (errorEvents >= 5 ? true : undefined))
    const denied = lines.filter((x) => x.includes('could not publish the metrics report'))
    expect(denied).toHaveLength(1)
    expect(denied[0]).toMatch(/permission.*wasmbus\.metrics\.>/)
    expect(lines.filter((x) => x.includes('NATS error'))).toEqual([])
    expect(host.metrics().versions[0].calls).toBe(10)
  })

  it('rejects bad metrics options before connecting', async () => {
    await expect(Host.start({ servers: t.l.url, metrics: { intervalMs: 0 } })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: /intervalMs/,
    })
    await expect(Host.start({ servers: t.l.url, metrics: { prometheusPort: 70000 } })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: /prometheusPort/,
    })
  })
})
