/**
 * The server killed (SIGKILL, the real nats-server) at each step of a change: at the client's
 * first operation of the step, seen by a proxy that dies with it. Every time lattice exits 5
 * with a documented code, within seconds, saying what may be live; the next change settles
 * what was left, and lattice's own unfinished change is never reported as drift.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { type CliResult, json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { type TestLattice, startLattice } from '../helpers/nats-server.js'
import { startProxy } from '../helpers/proxy.js'

let l: TestLattice

beforeAll(async () => {
  l = await startLattice({ jetstream: true })
})
afterAll(async () => {
  await l?.stop()
})

const env = () => ({ ...l.env(), LATTICE_STATE_CREDS: l.appCredsFile })
const kv = (key: string) => `$KV.lattice-state.${l.appAccount}.${key}`

/** What a step's failure must say of the change: nothing pushed, maybe live, live. */
const NOTHING = /Nothing was pushed: the routing is unchanged/
const MAYBE = /the change may be live/
const LIVE = /the change is live, but the command did not finish/

/** Each step, the client operation that starts it, and what the error must say. */
const steps: {
  step: string
  when: (op: string, subject: string, n: number) => boolean
  says: RegExp
  live: boolean
}[] = [
  {
    step: 'connect',
    when: (op) => op === 'CONNECT',
    says: /Error \[(CONNECTION_FAILED|STATE_UNAVAILABLE)\]/,
    live: false,
  },
  {
    step: 'lookup',
    when: (_, s) => s === `$SYS.REQ.ACCOUNT.${l.appAccount}.CLAIMS.LOOKUP`,
    says: NOTHING,
    live: false,
  },
  // The first write of the head takes the lock (a reservation), the second records the intent.
  { step: 'intent', when: (op, s, n) => op !== 'SUB' && s === kv('head') && n === 2, says: NOTHING, live: false },
  { step: 'push', when: (_, s) => s === '$SYS.REQ.CLAIMS.UPDATE', says: MAYBE, live: false },
  { step: 'read-back', when: (_, s) => s === '$SYS.REQ.SERVER.PING.ACCOUNTZ', says: LIVE, live: true },
  // Recording files the previous revision's record first.
  { step: 'record', when: (op, s) => op !== 'SUB' && s.startsWith(kv('rev.')), says: LIVE, live: true },
]

describe('the server killed at each step of a shift', () => {
  const actor = newActorId()
  const shift = (weight: number, more: Record<string, string> = {}) =>
    lattice(['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', String(weight)], {
      ...env(),
      ...more,
    })
  let weight = 10

  for (const { step, when, says, live } of steps) {
    it(`at ${step}: exit 5 within seconds, saying what may be live; the next shift settles it quietly`, async () => {
      expect((await shift(weight++)).code).toBe(0) // the state exists, and the lock is free
      const seen = new Map<string, number>()
      const proxy = await startProxy(l.url, () => 'forward', {
        killAt: {
          when: (op, subject) => {
            const n = (seen.get(subject) ?? 0) + 1
            seen.set(subject, n)
            return when(op, subject, n)
          },
          kill: () => l.nodes[0].proc?.kill('SIGKILL'),
        },
      })
      const killedAt = weight++
      const started = Date.now()
      let r: CliResult
      try {
        r = await shift(killedAt, { NATS_URL: proxy.url })
      } finally {
        await proxy.close()
      }
      const took = Date.now() - started
      expect(proxy.killed, `the step ${step} was never reached`).toBe(true)
      expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
      expect(r.stderr).not.toMatch(/Internal error|This is a bug/)
      expect(r.stderr).toMatch(says)
      // The client knew the connection was gone: no waiting out the 30 s deadline.
      expect(took, r.stderr).toBeLessThan(12_000)

      await l.startNode(0)
      const status = json<{ routes: { id: string; weights: Record<string, number> }[] }>(
        await lattice(['status', '--json'], env()),
      )
      const v2 = status.routes.find((x) => x.id === actor)?.weights.v2
      if (live) expect(v2).toBe(killedAt)
      else expect(v2).toBe(killedAt - 1)
      const next = await shift(weight++)
      expect(next.code, next.stderr).toBe(0)
      expect(next.stderr).not.toMatch(/outside lattice|DRIFT/)
      if (live)
        expect(next.stderr).toMatch(/An unfinished change \(revision \d+, by .*\) had gone live; it is now recorded/)
      const history = json<{ revisions: { kind: string }[] }>(await lattice(['history', '--json'], env()))
      expect(history.revisions.filter((x) => x.kind === 'drift')).toEqual([])
    }, 120_000)
  }
})

describe('a server gone from the network (its port accepts and says nothing)', () => {
  it('DEADLINE says the connection was lost and not regained, not that a server does not answer', async () => {
    const actor = newActorId()
    const shift = (weight: number, more: Record<string, string> = {}) =>
      lattice(
        [
          'shift',
          'actor',
          actor,
          '--force',
          '--from',
          'v1',
          '--to',
          'v2',
          '--weight',
          String(weight),
          '--timeout',
          '4s',
        ],
        { ...env(), ...more },
      )
    expect((await shift(10)).code).toBe(0)
    let heads = 0
    const proxy = await startProxy(l.url, () => 'forward', {
      killAt: {
        when: (op, s) => op !== 'SUB' && s === kv('head') && ++heads === 2,
        kill: () => l.nodes[0].proc?.kill('SIGKILL'),
        then: 'blackhole',
      },
    })
    let r: CliResult
    try {
      r = await shift(20, { NATS_URL: proxy.url })
    } finally {
      await proxy.close()
      await l.startNode(0)
    }
    expect(proxy.killed).toBe(true)
    expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
    expect(r.stderr).toMatch(
      /Error \[DEADLINE\]: Gave up after 4s \(--timeout\) while recording the intent of revision \d+: the connection to NATS at nats:\/\/127\.0\.0\.1:\d+ was lost and not regained\./,
    )
    expect(r.stderr).toMatch(/The server went away/)
    expect(r.stderr).not.toMatch(/accepts connections but does not answer/)
    const next = await shift(30)
    expect(next.code, next.stderr).toBe(0)
    expect(next.stderr).not.toMatch(/outside lattice|DRIFT/)
  }, 120_000)
})

describe('a URL that is not NATS', () => {
  const monitor = () => (l.nodes[0] as { monitorUrl?: string }).monitorUrl as string
  const refused =
    /Error \[USAGE\]: .* names http:\/\/127\.0\.0\.1:\d+, which is not a NATS URL: its scheme http:\/\/ is not one of nats:\/\/, tls:\/\/, ws:\/\/, wss:\/\/\./

  it('http:// is refused at once as USAGE (exit 2), from --server, NATS_URL or a nats context, without its credentials', async () => {
    const url = monitor().replace('http://', 'http://ops:hunter2@')
    const started = Date.now()
    const flag = await lattice(['status', '--server', url], env())
    const fromEnv = await lattice(['status'], { ...env(), NATS_URL: url })
    const config = mkdtempSync(join(tmpdir(), 'lattice-ctx-'))
    try {
      mkdirSync(join(config, 'nats', 'context'), { recursive: true })
      writeFileSync(join(config, 'nats', 'context', 'mon.json'), JSON.stringify({ url, creds: l.sysCredsFile }))
      const ctx = await lattice(['status'], {
        ...env(),
        NATS_URL: undefined,
        XDG_CONFIG_HOME: config,
        NATS_CONTEXT: 'mon',
      })
      for (const r of [flag, fromEnv, ctx]) {
        expect(r.code, r.stderr).toBe(ExitCode.USAGE)
        expect(r.stderr).toMatch(refused)
        expect(r.stderr).toMatch(/monitoring port .*nats:\/\/127\.0\.0\.1:4222/)
        expect(r.stderr).not.toMatch(/hunter2|ops:/)
      }
      expect(flag.stderr).toMatch(/^Error \[USAGE\]: --server \(NATS_URL\) names/)
      expect(ctx.stderr).toMatch(/^Error \[USAGE\]: The nats context "mon" \(its "url"\) names/)
    } finally {
      rmSync(config, { recursive: true, force: true })
    }
    // Nothing was contacted: three runs take what starting lattice takes, not 30 s of retries.
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('nats:// pointed at the real monitoring port is recognised as HTTP within a second (NOT_NATS, exit 5)', async () => {
    const url = monitor().replace('http://', 'nats://')
    const started = Date.now()
    const r = await lattice(['status', '--json'], { ...env(), NATS_URL: url })
    const took = Date.now() - started
    expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
    expect(json<{ error: { code: string; message: string; hint: string } }>(r).error).toMatchObject({
      code: 'NOT_NATS',
      message: `${url} answers HTTP, not the NATS protocol.`,
      hint: expect.stringMatching(/monitoring port \(http_port, 8222 by default\).*nats:\/\/127\.0\.0\.1:4222/),
    })
    // The sniff starts 300 ms into the handshake and takes a round trip; the rest is lattice starting up.
    expect(took, r.stderr).toBeLessThan(5000)
  })
})
