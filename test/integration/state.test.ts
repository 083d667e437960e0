/**
 * History and locking in a JetStream KV bucket, on a real server: no lost update among 20
 * concurrent writers, conflicting writers, drift, rollback of a measured split, and recovery
 * after the CLI is killed between its steps.
 */
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyAccountJwt } from '../../src/account/account.js'
import { sign } from '../../src/account/jwt.js'
import { readCreds } from '../../src/auth/creds-file.js'
import { ExitCode } from '../../src/errors.js'
import { pushAccountJwt } from '../../src/resolver/claims.js'
import { openConnection } from '../../src/resolver/connection.js'
import { settleIntent } from '../../src/ops/journaled.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { type HistoryJson, historyOf as revisionsOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { measureSplit } from '../helpers/traffic.js'

const t = useTestLattice({ state: true })
let app: NatsConnection
beforeAll(async () => {
  app = await t.connect()
})

const shift = (actor: string, ...rest: string[]) => lattice(['shift', 'actor', actor, ...rest], t.env())
const historyOf = (id?: string) => revisionsOf(t.env(), id)

describe('history', () => {
  it('records each change with who, the command, and old -> new weights', async () => {
    const actor = newActorId()
    expect((await shift(actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)
    const r = await shift(actor, '--force', '--to', 'v2', '--weight', '50')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Recorded as revision \d+\./)
    const revs = await historyOf(actor)
    expect(revs.map((x) => [x.kind, x.changes[0].before, x.changes[0].after])).toEqual([
      ['change', null, { v1: 70, v2: 30 }],
      ['change', { v1: 70, v2: 30 }, { v1: 50, v2: 50 }],
    ])
    expect(revs[1].command).toBe(`lattice shift actor ${actor} --force --to v2 --weight 50`)
    expect(revs[1].who.user.length).toBeGreaterThan(0)
    expect(revs[1].revision).toBe(revs[0].revision + 1)
    const all = await historyOf()
    expect(all[0].kind).toBe('baseline')
    const text = await lattice(['history'], t.env())
    expect(text.stdout).toMatch(/REV +TIME +KIND +WHO +COMMAND\n/)
    const short = `${actor.slice(0, 8)}…`
    expect(text.stdout).toContain(
      `lattice shift actor ${short} --force --to v2 --weight 50\n     actor ${short}: v1 70% -> 50%, v2 30% -> 50%`,
    )
    expect(text.stdout).not.toContain(actor)
    for (const line of text.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(120)
    const full = await lattice(['history', '--full-keys'], t.env())
    expect(full.stdout).toContain(`actor ${actor}: v1 70% -> 50%, v2 30% -> 50%`)
  })

  it('without --state-creds a change warns that history and locking are off; history says how to turn it on', async () => {
    const r = await lattice(['shift', 'actor', newActorId(), '--force', '--to', 'v1', '--weight', '100'], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/History and locking are off \(no --state-creds/)
    const h = await lattice(['history'], t.l.env())
    expect(h.code).toBe(ExitCode.INVALID_INPUT)
    expect(h.stderr).toMatch(/NO_HISTORY.*--state-creds/)
  })
})

describe('the bucket on one server', () => {
  it('has one replica, all the server allows, led by that server: nothing to warn about', async () => {
    const r = await lattice(['state', '--json'], t.env())
    expect(r.code, r.stderr).toBe(0)
    expect(json<{ replicas: number; allowed: number; leader?: string; warnings: string[] }>(r)).toMatchObject({
      replicas: 1,
      allowed: 1,
      leader: t.l.nodes[0].name,
      warnings: [],
    })
  })
})

describe('no lost update', () => {
  it('20 shifts started at once on 20 actors all end up live, each recorded once', async () => {
    const actors = Array.from({ length: 20 }, () => newActorId())
    const results = await Promise.all(
      actors.map((a, i) => shift(a, '--force', '--from', 'v1', '--to', 'v2', '--weight', String(i + 1))),
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const mappings = (await liveClaims(t.l)).nats.mappings as Record<string, { weight: number }[]>
    const revs = await historyOf()
    // A mapping missing although its shift exited 0 was seen once (2.15.1, a loaded machine): say what
    // that shift printed and what the history holds, so that the next one can be explained.
    const lost = actors.flatMap((a, i) => (mappings[`wasmbus.rpc.default.${a}`] ? [] : [`${a}: ${results[i].stdout}`]))
    const context = lost.length ? `\n${lost.join('\n')}\nhistory: ${JSON.stringify(revs)}` : ''
    for (const [i, a] of actors.entries())
      expect(
        mappings[`wasmbus.rpc.default.${a}`]?.map((d) => d.weight).sort((x, y) => x - y),
        `${a}${context}`,
      ).toEqual([i + 1, 99 - i].sort((x, y) => x - y))
    for (const a of actors) expect(revs.filter((r) => r.changes.some((c) => c.entity.id === a))).toHaveLength(1)
    const numbers = revs.map((r) => r.revision)
    expect(new Set(numbers).size).toBe(numbers.length)
  }, 180_000)

  it('two conflicting changes: one wins, the other fails clearly; compatible ones both land, each on the other', async () => {
    const actor = newActorId()
    expect((await shift(actor, '--force', '--to', 'v1', '--weight', '100')).code).toBe(0)
    const [a, b] = await Promise.all([
      shift(actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '60'),
      shift(actor, '--force', '--from', 'v1', '--to', 'v3', '--weight', '60'),
    ])
    expect([a.code, b.code].sort()).toEqual([0, ExitCode.INVALID_INPUT])
    expect((a.code === 0 ? b : a).stderr).toMatch(/INVALID_SHIFT/)
    let revs = await historyOf(actor)
    expect(revs).toHaveLength(2) // the 100% and the winner; the loser recorded nothing

    const [c, d] = await Promise.all([
      shift(actor, '--force', '--to', 'v4', '--weight', '10', '--from', 'v1'),
      shift(actor, '--force', '--to', 'v5', '--weight', '10', '--from', 'v1'),
    ])
    expect(c.code, c.stderr).toBe(0)
    expect(d.code, d.stderr).toBe(0)
    revs = await historyOf(actor)
    expect(revs).toHaveLength(4)
    // Each record's "before" is exactly the previous one's "after": nothing happened unrecorded.
    for (let i = 1; i < revs.length; i++) expect(revs[i].changes[0].before).toEqual(revs[i - 1].changes[0].after)
    expect(Object.keys(revs[3].changes[0].after ?? {}).sort()).toEqual(expect.arrayContaining(['v4', 'v5']))
  }, 60_000)
})

describe('drift', () => {
  it('a change made behind lattice’s back is recorded as drift, and not overwritten without --accept-drift', async () => {
    const actor = newActorId()
    expect((await shift(actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '20')).code).toBe(0)
    // Another tool rewrites the mapping with the operator key.
    const live = verifyAccountJwt(await liveJwt(t.l), t.l.appAccount).claims
    const subject = `wasmbus.rpc.default.${actor}`
    const edited = {
      ...live,
      nats: {
        ...live.nats,
        mappings: { ...live.nats.mappings, [subject]: [{ subject: `${subject}.djE`, weight: 100 }] },
      },
    }
    const nc = await openConnection({ servers: t.l.url, creds: readCreds(t.l.sysCredsFile) })
    await pushAccountJwt(nc, sign(edited, t.l.id.operator, (live.iat ?? 0) + 1))
    await nc.close()

    const seen = json<{ state: { drift: string[] } }>(await lattice(['status', '--json'], t.env()))
    expect(seen.state.drift).toContain(subject)
    const before = await liveJwt(t.l)
    const r = await shift(actor, '--force', '--to', 'v2', '--weight', '40')
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toMatch(/DRIFT.*changed outside lattice \(recorded in the history\); nothing was changed/)
    expect(await liveJwt(t.l)).toBe(before)
    const revs = await historyOf(actor)
    expect(revs.at(-1)).toMatchObject({ kind: 'drift', changes: [{ before: { v1: 80, v2: 20 }, after: { v1: 100 } }] })
    // Still refused on the next try: the drift stays unaccepted until someone says so.
    const again = await shift(actor, '--force', '--to', 'v2', '--weight', '40')
    expect(again.code).toBe(ExitCode.LIVE_STATE)
    expect(again.stderr).toMatch(/DRIFT/)
    expect(await liveJwt(t.l)).toBe(before)

    const ok = await shift(actor, '--force', '--to', 'v2', '--weight', '40', '--accept-drift')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain(`actor ${actor}: v1 100% -> 60%, v2 0% -> 40%`)
    const after = json<{ state: { drift: string[] } }>(await lattice(['status', '--json'], t.env()))
    expect(after.state.drift).not.toContain(subject)
  })
})

describe('rollback', () => {
  it('restores the measured split of the revision before', async () => {
    const actor = newActorId()
    const entity = { kind: 'actor' as const, id: actor }
    const dest = { v1: versionedSubject('default', entity, 'v1'), v2: versionedSubject('default', entity, 'v2') }
    // Instances of both versions, so the readiness gate passes without --force.
    const held = [app.subscribe(dest.v1, { queue: 'q' }), app.subscribe(dest.v2, { queue: 'q' })]
    await app.flush()
    try {
      expect((await shift(actor, '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)
      expect((await shift(actor, '--to', 'v2', '--weight', '90')).code).toBe(0)
      const r = await lattice(['rollback'], t.env())
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`actor ${actor}: v1 10% -> 70%, v2 90% -> 30%`)
      const revs = await historyOf(actor)
      expect(revs.at(-1)).toMatchObject({ kind: 'rollback', rolledBackTo: revs.at(-2)!.revision - 1 })
    } finally {
      for (const s of held) s.unsubscribe()
    }
    const counts = await measureSplit(app, `wasmbus.rpc.default.${actor}`, dest, 4000)
    expect(Math.abs(counts.v2 / 40 - 30)).toBeLessThanOrEqual(4)

    const unknown = await lattice(['rollback', '--to', '99999'], t.env())
    expect(unknown.code).toBe(ExitCode.INVALID_INPUT)
    expect(unknown.stderr).toMatch(/UNKNOWN_REVISION.*no revision 99999/)
  })
})

describe('interrupted', () => {
  /** Start a shift that pauses at `step`, kill -9 it there. */
  async function killAt(step: string, args: string[]): Promise<void> {
    const run = t.background(args, t.env({ LATTICE_DEBUG_PAUSE: step }))
    await run.waitFor(new RegExp(`paused at ${step}`))
    await run.stop('SIGKILL')
  }

  it('killed after pushing: the next command records the live change, then does its own', async () => {
    const actor = newActorId()
    await killAt('after-push', ['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '25'])
    const h = json<HistoryJson>(await lattice(['history', '--json'], t.env()))
    expect(h.pending?.revision).toBeGreaterThan(0)
    const r = await shift(actor, '--force', '--to', 'v2', '--weight', '35')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/An unfinished change \(revision \d+, .*\) had gone live; it is now recorded\./)
    const revs = await historyOf(actor)
    expect(revs.map((x) => x.changes[0].after)).toEqual([
      { v1: 75, v2: 25 },
      { v1: 65, v2: 35 },
    ])
    expect(revs[0].completedBy).toBeDefined()
  })

  it('killed after recording its intent but before pushing: the next command drops it; nothing went live', async () => {
    const actor = newActorId()
    const before = await liveJwt(t.l)
    await killAt('after-intent', ['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '25'])
    expect(await liveJwt(t.l)).toBe(before)
    const r = await shift(actor, '--force', '--from', 'v1', '--to', 'v3', '--weight', '10')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/never went live; it was dropped/)
    const revs = await historyOf(actor)
    expect(revs.map((x) => x.changes[0].after)).toEqual([{ v1: 90, v3: 10 }])
  })

  // Regression: a waiter that read the head while a writer was still in flight, and settled it
  // after that writer had finished, pushed the writer's JWT again; on 2.9 servers that undid a
  // change pushed in between (a lost update seen under load).
  it('a writer settling an intent it saw before that intent was recorded pushes nothing', async () => {
    const actor = newActorId()
    await killAt('after-push', ['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '25'])
    await t.withSession(async (s) => {
      const stale = await s.journal!.head()
      expect(stale?.value.pending?.jwt).toBeTruthy()
      // Another command settles it (the JWT is live: recorded), changing nothing itself.
      const r = await shift(actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '25')
      expect(r.stderr).toMatch(/had gone live; it is now recorded/)
      const pushes = s.conn.subscribe('$SYS.REQ.CLAIMS.UPDATE')
      let pushed = 0
      void (async () => {
        for await (const _ of pushes) pushed++
      })()
      const said = await settleIntent(s, s.journal!, stale!)
      await s.conn.flush()
      await new Promise((r) => setTimeout(r, 200))
      pushes.unsubscribe()
      expect(said).toMatch(/was settled by another writer/)
      expect(pushed).toBe(0)
    })
  })
})
