/**
 * The dashboard server's integration files share this: a two-version actor's lattice with
 * `lattice dashboard` on it, for the whole file, and its answers read over HTTP. Every body it
 * served is kept, so that `expectNoSecrets` can search them all at the end.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect } from 'vitest'
import type { ActionAnswer, Frame, Snapshot } from '../../src/dashboard/model.js'
import { type Answer, type RunningDashboard, http, startDashboard } from './dashboard.js'
import type { TestLattice } from './nats-server.js'
import { type TwoVersionActor, startTwoVersionActor } from './two-version-actor.js'

export interface DashboardSuite {
  t2: TwoVersionActor
  l: TestLattice
  actor: string
  dash: RunningDashboard
  /** Connection env with state and app creds. */
  env(): Record<string, string>
  /** The actor's live weights. */
  weights(): Promise<Record<string, number>>
  /** Every body served in this file. */
  served: string[]
  /** The snapshot of `d` (default: the file's dashboard). */
  snapshot(d?: RunningDashboard): Promise<Snapshot>
  /** Poll the snapshot until `ok` holds (a loaded machine: a deadline, not a sleep). */
  snapshotUntil(ok: (s: Snapshot) => boolean, ms?: number, d?: RunningDashboard): Promise<Snapshot>
  /** POST an action with the token (headers given override it). */
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
    d?: RunningDashboard,
  ): Promise<Answer & { answer: ActionAnswer }>
  /** The actor's entity in a frame. */
  entityOf(f: Frame | undefined): Frame['entities'][number] | undefined
  /** No seed or creds content in anything served. */
  expectNoSecrets(): void
}

export function useDashboardSuite(instances: { v1: number; v2: number }): DashboardSuite {
  const suite = { served: [] as string[] } as DashboardSuite
  beforeAll(async () => {
    suite.t2 = await startTwoVersionActor(instances)
    suite.l = suite.t2.l
    suite.actor = suite.t2.actor
    suite.dash = await startDashboard([], suite.t2.env())
  }, 120_000)
  afterAll(async () => {
    await suite.dash?.stop()
    await suite.t2?.stop()
  })
  suite.env = () => suite.t2.env()
  suite.weights = () => suite.t2.weights()
  suite.snapshot = async (d = suite.dash) => {
    const a = await http(d.port, 'GET', `/api/snapshot?token=${d.token}`)
    suite.served.push(a.body)
    expect(a.status, a.body).toBe(200)
    return JSON.parse(a.body) as Snapshot
  }
  suite.snapshotUntil = async (ok, ms = 40_000, d = suite.dash) => {
    const end = Date.now() + ms
    let s = await suite.snapshot(d)
    while (!ok(s) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250))
      s = await suite.snapshot(d)
    }
    return s
  }
  suite.post = (path, body, headers = {}, d = suite.dash) =>
    http(d.port, 'POST', path, {
      headers: { 'Content-Type': 'application/json', 'X-Lattice-Token': d.token, ...headers },
      body: JSON.stringify(body),
    }).then((a) => {
      suite.served.push(a.body)
      return { ...a, answer: JSON.parse(a.body) as ActionAnswer }
    })
  suite.entityOf = (f) => f?.entities.find((e) => e.entity.id === suite.t2.actor)
  suite.expectNoSecrets = () => {
    const l = suite.l
    const text = suite.served.join('\n')
    expect(text.length).toBeGreaterThan(1000)
    expect(text).not.toMatch(/S[OAU][A-Z2-7]{56}/)
    for (const file of [l.operatorSeedFile, l.signingKeySeedFile])
      expect(text).not.toContain(readFileSync(file, 'utf8').trim())
    for (const file of [l.sysCredsFile, l.appCredsFile]) {
      for (const line of readFileSync(file, 'utf8')
        .split('\n')
        .filter((x) => x.length > 20))
        expect(text).not.toContain(line.trim())
    }
  }
  return suite
}
