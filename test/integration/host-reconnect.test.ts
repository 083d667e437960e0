/**
 * host-core survives its server: a real nats-server is restarted (same port) under two host
 * processes (examples/host/host.mjs) and a caller. Both hosts come back and serve (dual
 * subscriptions, queue groups, control interface), neither exits, and every call a host
 * received was answered. A host whose connection closes for good says so.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type NatsConnection, connect, credsAuthenticator } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionEvent, HostLogger, HostStats } from '../../src/host-core/index.js'
import { newActorId } from '../helpers/ids.js'
import { sleep } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HOST_SCRIPT = fileURLToPath(new URL('../../examples/host/host.mjs', import.meta.url))

interface HostProc {
  id: string
  proc: ChildProcess
  stdout: string
  stderr: string
  exit?: { code: number | null; signal: string | null }
  lines(): Record<string, unknown>[]
}

function spawnHost(id: string, env: Record<string, string>): HostProc {
  const proc = spawn(process.execPath, [HOST_SCRIPT], {
    cwd: ROOT,
    env: { ...process.env, ...env, HOST_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const h: HostProc = {
    id,
    proc,
    stdout: '',
    stderr: '',
    lines: () =>
      h.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l)),
  }
  proc.stdout?.on('data', (d) => (h.stdout += d))
  proc.stderr?.on('data', (d) => (h.stderr += d))
  proc.on('exit', (code, signal) => (h.exit = { code, signal }))
  return h
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`)
    await sleep(50)
  }
}

/** A caller that keeps requesting until stopped, counting what happened to each request. */
function load(nc: NatsConnection, subject: string, workers = 6) {
  const c = { sent: 0, answered: 0, timedOut: 0, otherErrors: 0, errorCodes: new Set<string>() }
  let running = true
  const worker = async () => {
    while (running) {
      c.sent++
      try {
        await nc.request(subject, undefined, { timeout: 2000 })
        c.answered++
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'unknown'
        if (code === 'TIMEOUT') c.timedOut++
        else {
          c.otherErrors++
          c.errorCodes.add(code)
          await sleep(50) // e.g. no responders or disconnected: do not spin
        }
      }
    }
  }
  const done = Promise.all(Array.from({ length: workers }, worker))
  return { counts: c, stop: async () => ((running = false), await done) }
}

const t = useTestLattice()
let caller: NatsConnection
let credsText: string

beforeAll(async () => {
  credsText = readFileSync(t.l.appCredsFile, 'utf8')
  caller = await connect({
    servers: t.l.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(credsText)),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  })
  t.track('conn', () => caller.close())
})

describe('host-core across a server restart', () => {
  it('two host processes come back and serve; none exits; every call a host received is answered', async () => {
    const actor = newActorId()
    const base = { NATS_URL: t.l.url, ACTOR_ID: actor, INSTANCES: '2', HANDLER_DELAY_MS: '20' }
    // One host gets its creds as a path, the other as the contents themselves.
    const hosts = [
      spawnHost('host-a', { ...base, ACTOR_VERSION: 'v1', HOST_CREDS: t.l.appCredsFile }),
      spawnHost('host-b', { ...base, ACTOR_VERSION: 'v2', HOST_CREDS: credsText }),
    ]
    // An in-process host too, to see what a custom logger and the event callback get.
    const logged: string[] = []
    const logger: HostLogger = {
      info: (m) => logged.push(`INFO ${m}`),
      warn: (m) => logged.push(`WARN ${m}`),
      error: (m) => logged.push(`ERROR ${m}`),
    }
    const events: ConnectionEvent[] = []
    const inproc = await t.host('host-c', {
      servers: t.l.url,
      creds: t.l.appCredsFile,
      logger,
      onConnectionEvent: (e) => events.push(e),
      connectionOptions: { reconnectTimeWait: 100, reconnectJitter: 0 },
    })
    const other = newActorId()
    await inproc.startActor({ id: other, version: 'v3', count: 2, handler: () => 'v3' })
    try {
      await waitFor('both hosts ready', () =>
        hosts.every((h) => h.lines().some((x) => x.event === 'ready') || h.exit !== undefined),
      )
      for (const h of hosts) expect(h.exit, `${h.id} exited at start: ${h.stderr}`).toBeUndefined()

      const traffic = load(caller, `wasmbus.rpc.default.${actor}`)
      await waitFor('traffic flowing', () => traffic.counts.answered >= 100)
      await t.l.stopNode(0)
      await waitFor('both hosts see the disconnect and retry', () =>
        hosts.every((h) => /WARN .*disconnected from/.test(h.stderr) && /reconnecting to/.test(h.stderr)),
      )
      // More failed attempts than the client's default limit (10): host-core reconnects forever.
      await waitFor('more than 10 reconnect attempts', () =>
        events.some((e) => e.type === 'reconnecting' && (e.attempt ?? 0) > 12),
      )
      expect(inproc.connectionState).toBe('disconnected')
      await t.l.startNode(0)
      await waitFor(
        'both hosts reconnect',
        () => hosts.every((h) => /reconnected to .* subscriptions restored/.test(h.stderr)),
        60_000,
      )
      const answeredAtRestart = traffic.counts.answered
      await waitFor(
        'traffic answered again after the restart',
        () => traffic.counts.answered >= answeredAtRestart + 200,
        60_000,
      )
      await traffic.stop()
      const c = traffic.counts
      console.log(
        `caller: sent ${c.sent}, answered ${c.answered}, timed out ${c.timedOut}, other errors ${c.otherErrors} (${[...c.errorCodes].join(', ')})`,
      )
      expect(c.sent).toBe(c.answered + c.timedOut + c.otherErrors)

      // The control interface answers again: ping reaches every host, inventory reports counts.
      await waitFor('in-process host reconnected', () => inproc.connectionState === 'connected')
      let pinged: string[] = []
      await waitFor('every host answers a ping', async () => {
        pinged = []
        for await (const m of await caller.requestMany('wasmbus.ctl.default.ping.hosts', '', { maxWait: 1000 }))
          pinged.push(JSON.parse(m.string()).hostId)
        return pinged.length >= 3
      })
      expect(pinged.sort()).toEqual(['host-a', 'host-b', 'host-c'])
      const stats = async (id: string) =>
        JSON.parse((await caller.request(`wasmbus.ctl.default.get.${id}.inv`, '', { timeout: 5000 })).string())
          .stats as HostStats

      // Queue groups survived: each call reaches exactly one instance of one host (without the
      // queue group, all four instances would get every call). Versioned subjects still route.
      const before = await Promise.all(['host-a', 'host-b'].map(stats))
      const seen: Record<string, number> = {}
      for (let i = 0; i < 100; i++) {
        const r = JSON.parse(
          (await caller.request(`wasmbus.rpc.default.${actor}`, undefined, { timeout: 5000 })).string(),
        )
        seen[r.version] = (seen[r.version] ?? 0) + 1
      }
      expect(seen.v1 + seen.v2).toBe(100)
      expect(seen.v1).toBeGreaterThan(0)
      expect(seen.v2).toBeGreaterThan(0)
      for (const [v, token] of [
        ['v1', 'djE'],
        ['v2', 'djI'],
      ]) {
        for (let i = 0; i < 50; i++) {
          const r = JSON.parse(
            (await caller.request(`wasmbus.rpc.default.${actor}.${token}`, undefined, { timeout: 5000 })).string(),
          )
          expect(r).toMatchObject({ version: v, versioned: true })
        }
      }
      const after = await Promise.all(['host-a', 'host-b'].map(stats))
      expect(after[0].received - before[0].received + after[1].received - before[1].received).toBe(200)
      expect((await caller.request(`wasmbus.rpc.default.${other}`, undefined, { timeout: 5000 })).string()).toBe('v3')

      // No host process exited; each stops cleanly and reports that it answered all it received.
      for (const h of hosts) expect(h.exit, `${h.id} exited: ${h.stderr}`).toBeUndefined()
      for (const h of hosts) h.proc.kill('SIGTERM')
      await waitFor('hosts stopped', () => hosts.every((h) => h.exit !== undefined))
      let received = 0
      for (const h of hosts) {
        expect(h.exit, h.stderr).toEqual({ code: 0, signal: null })
        const final = h.lines().find((x) => x.event === 'stopped') as unknown as HostStats & { connected: boolean }
        console.log(`${h.id}: ${JSON.stringify(final)}`)
        expect(final.received).toBeGreaterThan(100)
        expect(final.answered).toBe(final.received)
        expect(final).toMatchObject({ replyFailed: 0, inFlight: 0, oneWay: 0, connected: true })
        received += final.received
        // Logs name the server, never the creds.
        expect(h.stderr).not.toContain(credsText.split('\n')[1].trim())
        expect(h.stderr).not.toMatch(/SU[A-Z2-7]{50,}/)
      }
      expect(received).toBeLessThanOrEqual(c.sent + 200)
      expect(received).toBeGreaterThanOrEqual(c.answered + 200)

      // The custom logger and the callback saw the outage, in order.
      const types = events.map((e) => e.type)
      expect(types.indexOf('disconnect')).toBeGreaterThanOrEqual(0)
      expect(types.indexOf('reconnecting')).toBeGreaterThan(types.indexOf('disconnect'))
      expect(types.lastIndexOf('reconnect')).toBeGreaterThan(types.indexOf('reconnecting'))
      expect(
        logged.some((x) => /^WARN disconnected from 127\.0\.0\.1:\d+; reconnecting$/.test(x)),
        logged.join('\n'),
      ).toBe(true)
      expect(
        logged.some((x) => /^INFO reconnected to 127\.0\.0\.1:\d+ after [\d.]+ s; subscriptions restored$/.test(x)),
        logged.join('\n'),
      ).toBe(true)
    } finally {
      for (const h of hosts) if (h.exit === undefined) h.proc.kill('SIGKILL')
      await inproc.close()
    }
    expect(await inproc.closed).toEqual({ expected: true, reason: 'host.close() was called' })
  }, 120_000)

  it('a host whose connection closes for good says so: logged as an error, `closed` resolves with the reason', async () => {
    const logged: string[] = []
    const logger: HostLogger = {
      info: (m) => logged.push(`INFO ${m}`),
      warn: (m) => logged.push(`WARN ${m}`),
      error: (m) => logged.push(`ERROR ${m}`),
    }
    const events: ConnectionEvent[] = []
    // Reconnecting turned off on purpose (the default reconnects forever).
    const host = await t.host('host-once', {
      servers: t.l.url,
      creds: credsText,
      logger,
      onConnectionEvent: (e) => events.push(e),
      connectionOptions: { reconnect: false },
    })
    const actor = newActorId()
    await host.startActor({ id: actor, version: 'v1', handler: () => 'ok' })
    try {
      await t.l.stopNode(0)
      const closed = await host.closed
      expect(closed.expected).toBe(false)
      expect(closed.reason).toMatch(/connection/)
      expect(host.connectionState).toBe('closed')
      expect(logged.find((x) => x.startsWith('ERROR'))).toMatch(/no longer serves any call/)
      expect(events.at(-1)).toMatchObject({ type: 'closed', expected: false })
      await expect(host.startActor({ id: actor, version: 'v2', handler: () => 'ok' })).rejects.toMatchObject({
        code: 'CLOSED',
        message: /connection closed for good/,
      })
      await host.close() // still safe to call
    } finally {
      await t.l.startNode(0)
    }
  })
})
