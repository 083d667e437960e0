/**
 * watch and verify from the hosts' metrics reports (issue #19): real nats-server, real host-core
 * hosts, the C host, real traffic. An entity whose instances all run on reporting hosts is
 * observed from reports (no subscription on its versioned subjects); one with an instance on a
 * host with metrics off, or on the C host, is observed by subscription, in the same watch.
 */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { skipIf, skips } from '../helpers/skips.js'
import { listSubscriptions } from '../../src/resolver/subscriptions.js'
import { buildCHost, cHostLatticeArgs, startCHost } from '../helpers/c-host.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { sleep } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ state: true, appCreds: true })
let sys: NatsConnection
/** Every instance on a reporting host. */
const reported = newActorId()
/** v2 on a host-core host with metrics: false. */
const silent = newActorId()
/** v2 on the C host. */
const inC = newActorId()

beforeAll(async () => {
  const bin = await buildCHost()
  sys = await t.connect(t.l.sysCredsFile)
  const hosts = await Promise.all([t.host('h0'), t.host('h1'), t.host('quiet', { metrics: false })])
  await hosts[0].startActor({ id: reported, version: 'v1', count: 2, handler: () => 'v1' })
  await hosts[1].startActor({ id: reported, version: 'v2', count: 2, handler: () => 'v2' })
  await hosts[0].startActor({ id: silent, version: 'v1', handler: () => 'v1' })
  await hosts[2].startActor({ id: silent, version: 'v2', handler: () => 'v2' })
  await hosts[1].startActor({ id: inC, version: 'v1', handler: () => 'v1' })
  const cHost = await startCHost(bin, [...cHostLatticeArgs(t.l), '--host-id', 'c1', '--actor', inC, '--version', 'v2'])
  t.track('host', () => cHost.stop())
  for (const id of [reported, silent, inC]) {
    const r = await lattice(['shift', 'actor', id, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
    expect(r.code, r.stderr).toBe(0)
    await t.traffic(`wasmbus.rpc.default.${id}`)
  }
}, 180_000)

interface Frame {
  entities: {
    entity: string
    observedBy?: string
    observedByReason?: string
    versions: { version: string; observed?: number; rate: number }[]
  }[]
}
const frames = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Frame)
const entityOf = (f: Frame, id: string) => f.entities.find((e) => e.entity.includes(id))
const v2Share = (f: Frame, id: string) => entityOf(f, id)?.versions.find((v) => v.version === 'v2')?.observed ?? -1

/** While `work` runs, the subscriptions without a queue group on wasmbus.* (i.e. not an instance's): lattice's. */
async function observerSubjects(work: Promise<unknown>): Promise<Set<string>> {
  const seen = new Set<string>()
  let done = false
  void work.finally(() => (done = true))
  while (!done) {
    for (const s of await listSubscriptions(sys, t.l.appAccount, { expected: 1 }))
      if (!s.queue && s.subject.startsWith('wasmbus.')) seen.add(s.subject)
    await sleep(300)
  }
  await work
  return seen
}

describe('observing from host reports', skipIf(skips.noLibnats()), () => {
  it('watch: mixed sources in one watch, the same split as by subscription, and no subscription on versioned subjects from reports', async () => {
    const auto = lattice(['watch', reported, silent, inC, '--json', '--count', '4', '--interval', '1s'], t.env())
    const subjects = await observerSubjects(auto)
    const r = await auto
    expect(r.code, r.stderr).toBe(0)
    const fs = frames(r.stdout)
    const last = fs[fs.length - 1]
    expect(entityOf(last, reported)).toMatchObject({ observedBy: 'reports' })
    expect(entityOf(last, silent)).toMatchObject({
      observedBy: 'subscription',
      observedByReason: '1 of 1 instances of v2 are on hosts that do not report',
    })
    expect(entityOf(last, inC)).toMatchObject({ observedBy: 'subscription' })
    // Subscriptions from lattice: the metrics wildcard, and the versioned subjects of the two entities by subscription only.
    expect(subjects.has('wasmbus.metrics.default.*')).toBe(true)
    expect([...subjects].filter((s) => s.includes(reported))).toEqual([])
    expect([...subjects].some((s) => s.includes(silent))).toBe(true)
    expect([...subjects].some((s) => s.includes(inC))).toBe(true)
    const fromReports = fs.slice(1).map((f) => v2Share(f, reported))
    for (const share of fromReports) expect(Math.abs(share - 30), JSON.stringify(fromReports)).toBeLessThanOrEqual(10)
    for (const f of fs.slice(1)) expect(Math.abs(v2Share(f, inC) - 30)).toBeLessThanOrEqual(12)

    const forced = lattice(
      ['watch', reported, '--json', '--count', '3', '--interval', '1s', '--observe', 'subscribe'],
      t.env(),
    )
    const forcedSubjects = await observerSubjects(forced)
    const s = await forced
    expect(s.code, s.stderr).toBe(0)
    const sf = frames(s.stdout)
    expect(entityOf(sf[sf.length - 1], reported)).toMatchObject({ observedBy: 'subscription' })
    expect([...forcedSubjects].filter((x) => x.includes(reported)).length).toBe(2)
    const bySub = sf.slice(1).map((f) => v2Share(f, reported))
    for (const share of bySub) expect(Math.abs(share - 30)).toBeLessThanOrEqual(10)
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(Math.abs(mean(fromReports) - mean(bySub))).toBeLessThanOrEqual(8)

    const text = await lattice(['watch', reported, silent, '--count', '1', '--interval', '1s'], t.env())
    expect(text.stdout).toMatch(new RegExp(`${reported} +observed from host reports`))
    expect(text.stdout).toMatch(
      new RegExp(`${silent} +observed by subscription \\(1 of 1 instances of v2 are on hosts that do not report\\)`),
    )
  })

  it('verify: from reports (apportioned to the window), consistent with the weights; metrics: false and the C host by subscription', async () => {
    const r = await lattice(['verify', 'actor', reported, '--window', '3s', '--json'], t.env())
    expect(r.code, r.stderr + r.stdout).toBe(0)
    const v = json<{
      match: boolean
      observedBy: string
      observed: Record<string, number>
      counts: Record<string, number>
    }>(r)
    expect(v.observedBy).toBe('reports')
    expect(v.match).toBe(true)
    expect(Math.abs(v.observed.v2 - 30)).toBeLessThanOrEqual(5)
    const bySub = json<{ match: boolean; observedBy: string; observed: Record<string, number> }>(
      await lattice(['verify', 'actor', reported, '--window', '3s', '--json', '--observe', 'subscribe'], t.env()),
    )
    expect(bySub).toMatchObject({ observedBy: 'subscription', match: true })
    expect(Math.abs(bySub.observed.v2 - v.observed.v2)).toBeLessThanOrEqual(5)

    const text = await lattice(['verify', 'actor', reported, '--window', '2s'], t.env())
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(
      /calls observed over 2 s, observed from host reports \(reports apportioned to the window\)/,
    )
    const quiet = await lattice(['verify', 'actor', silent, '--window', '2s'], t.env())
    expect(quiet.code, quiet.stderr).toBe(0)
    expect(quiet.stdout).toMatch(/observed by subscription \(1 of 1 instances of v2 are on hosts that do not report\)/)
    const c = json<{ observedBy: string; match: boolean }>(
      await lattice(['verify', 'actor', inC, '--window', '2s', '--json'], t.env()),
    )
    expect(c).toMatchObject({ observedBy: 'subscription', match: true })
  })

  it("a rollout's observed line and record say where the calls were counted", async () => {
    const r = await lattice(
      [
        'rollout',
        'actor',
        reported,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '40',
        '--interval',
        '2s',
        '--no-analysis',
        '--json',
      ],
      t.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    const observed = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; observed?: number; observedBy?: string })
      .find((e) => e.type === 'observed')
    expect(observed?.observedBy).toBe('reports')
    expect(Math.abs((observed?.observed ?? 0) - 40)).toBeLessThanOrEqual(12)
    const st = json<{ observedBy?: string }>(await lattice(['rollout', 'status', reported, '--json'], t.env()))
    expect(st.observedBy).toBe('reports')
    const text = await lattice(
      ['rollout', 'actor', silent, '--from', 'v1', '--to', 'v2', '--steps', '40', '--interval', '2s', '--no-analysis'],
      t.env(),
    )
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/step 1\/1: observed weight [\d.]+%, by subscription/)
  })
})
