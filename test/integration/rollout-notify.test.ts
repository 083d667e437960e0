/**
 * Rollout notifications: every event POSTed to --notify receivers (real local HTTP servers) in
 * order, and published on lattice.rollout.<lattice>.<type> for a NATS subscriber with the state
 * creds; a receiver that fails or never answers does not stop or break the rollout, and the
 * runner says how many notifications it could not deliver.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { NatsConnection, Subscription } from 'nats'
import { createUser } from 'nkeys.js'
import { encodeUser, fmtCreds } from 'nats-jwt'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { lattice } from '../helpers/cli.js'
import { type Receiver, reply, startReceiver } from '../helpers/http-receiver.js'
import { useRolloutLattice } from '../helpers/rollout-lattice.js'
import { freePort } from '../helpers/nats-server.js'

const EXAMPLE = (name: string) => fileURLToPath(new URL(`../../examples/notify/${name}`, import.meta.url))

const rl = useRolloutLattice()
let recorder: Receiver
let failing: Receiver
let silent: Receiver
let nc: NatsConnection

beforeAll(async () => {
  recorder = await rl.receiver((_req, res) => reply(res, 204))
  failing = await rl.receiver((_req, res) => reply(res, 503, { message: 'down for maintenance' }))
  silent = await rl.receiver(() => undefined)
  nc = await rl.connect() // the state user (tests use one user for both)
})

interface Note {
  v: number
  lattice: string
  entity: { kind: string; id: string; link?: string }
  from: string
  to: string
  event: {
    type: string
    entity: string
    time: string
    step?: number
    weight?: number
    gate?: { gate: string; pass: boolean }
  }
}

const notesFor = (r: Receiver, id: string) =>
  r.received.map((x) => JSON.parse(x.body) as Note).filter((n) => n.entity.id === id)

/** Collect what is published on lattice.rollout.> about `id`. */
function listen(id: string): { notes: { subject: string; note: Note }[]; sub: Subscription } {
  const notes: { subject: string; note: Note }[] = []
  const sub = nc.subscribe('lattice.rollout.>', {
    callback: (_err, m) => {
      const note = m.json<Note>()
      if (note.entity.id === id) notes.push({ subject: m.subject, note })
    },
  })
  return { notes, sub }
}

async function until(what: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
}

describe('rollout notifications', () => {
  it('a receiver gets every event in order, and a NATS subscriber with the state creds sees them too', async () => {
    const id = await rl.actor()
    const bus = listen(id)
    await nc.flush()
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '200ms',
        '--gate-cmd',
        'true',
        '--notify',
        `${recorder.url}/hook`,
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/not delivered/)
    const types = ['started', 'step', 'gate', 'step', 'gate', 'completed']
    const notes = notesFor(recorder, id)
    expect(notes.map((n) => n.event.type)).toEqual(types)
    expect(notes[0]).toMatchObject({
      v: 1,
      lattice: 'default',
      entity: { kind: 'actor', id },
      from: 'v1',
      to: 'v2',
      event: { type: 'started' },
    })
    expect(notes[3].event).toMatchObject({ type: 'step', step: 2, weight: 100 })
    expect(notes[4].event.gate).toMatchObject({ gate: 'command', pass: true })
    expect(recorder.received.find((x) => x.body.includes(id))?.headers['content-type']).toBe('application/json')

    await until(() => bus.notes.length >= types.length)
    bus.sub.unsubscribe()
    expect(bus.notes.map((n) => n.note.event.type)).toEqual(types)
    expect(bus.notes.map((n) => n.subject)).toEqual(types.map((t) => `lattice.rollout.default.${t}`))
    expect(bus.notes[0].note).toEqual(notes[0])
  })

  it('a receiver that always fails and one that never answers neither stop nor break the rollout; the undelivered are counted', async () => {
    const id = await rl.actor()
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '200ms',
        '--notify',
        failing.url,
        '--notify',
        silent.url,
        '--notify',
        recorder.url,
      ],
      rl.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/completed: v2 has 100%/)
    expect(notesFor(recorder, id).map((n) => n.event.type)).toEqual(['started', 'step', 'step', 'completed'])
    expect(r.stderr).toMatch(
      /Warning: \d+ rollout notifications were not delivered \(to http:\/\/127\.0\.0\.1:\d+, http:\/\/127\.0\.0\.1:\d+\)\./,
    )
    const [, missed] = /Warning: (\d+) rollout/.exec(r.stderr) ?? []
    // 4 events each to two receivers that took none of them; the failing one was retried meanwhile.
    expect(Number(missed)).toBe(8)
    expect(failing.received.length).toBeGreaterThanOrEqual(2)
  })

  it('a spec rollout notifies its notify: receivers, a rollback included', async () => {
    const id = await rl.actor()
    const file = join(rl.l.dir, `notify-${id.slice(0, 8)}.yaml`)
    writeFileSync(
      file,
      `rollouts:\n  - actor: ${id}\n    from: v1\n    to: v2\n    steps: [20, 100]\n    interval: 100ms\n    gates:\n      command: exit 3\n    notify: [${recorder.url}/spec]\n`,
    )
    const r = await lattice(['rollout', '-f', file, '--json'], rl.env())
    expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
    const notes = notesFor(recorder, id)
    expect(notes.map((n) => n.event.type)).toEqual(['started', 'step', 'gate', 'rolled-back'])
    // The same events as the runner's own --json lines.
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string })
      .filter((e) => e.type)
    expect(notes.map((n) => n.event)).toEqual(lines)
  })

  it('refuses a --notify URL that is not http(s), before anything is contacted', async () => {
    const id = await rl.actor()
    const r = await lattice(
      ['rollout', 'actor', id, '--from', 'v1', '--to', 'v2', '--notify', 'nats://127.0.0.1:4222'],
      rl.env(),
    )
    expect(r.code).toBe(ExitCode.INVALID_INPUT)
    expect(r.stderr).toMatch(/INVALID_ROLLOUT.*--notify "nats:\/\/127\.0\.0\.1:4222" is not an http or https URL/)
  })

  it('the examples: chat-relay.mjs posts {"text"} lines to a chat webhook; ci-wait.mjs writes the status and exits 1 on a rollback', async () => {
    const id = await rl.actor()
    const chat = await startReceiver((_req, res) => reply(res, 200, { ok: true }))
    const [relayPort, waitPort] = [await freePort(), await freePort()]
    const statusFile = join(rl.l.dir, `status-${id.slice(0, 8)}.json`)
    const relay = spawn(process.execPath, [EXAMPLE('chat-relay.mjs')], {
      env: { ...process.env, CHAT_WEBHOOK_URL: `${chat.url}/services/T0/B0/secret`, PORT: String(relayPort) },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const waiter = spawn(process.execPath, [EXAMPLE('ci-wait.mjs')], {
      env: { ...process.env, ENTITY: id, STATUS_FILE: statusFile, PORT: String(waitPort), TIMEOUT: '2m' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const waited = new Promise<number>((resolve) => waiter.once('exit', (code) => resolve(code ?? -1)))
    try {
      // Both listen once they say so on stderr.
      await Promise.all([relay, waiter].map((p) => new Promise((resolve) => p.stderr?.once('data', resolve))))
      const r = await lattice(
        [
          'rollout',
          'actor',
          id,
          '--from',
          'v1',
          '--to',
          'v2',
          '--steps',
          '20,100',
          '--interval',
          '100ms',
          '--gate-cmd',
          'echo p99 too high; exit 1',
          '--notify',
          `http://127.0.0.1:${relayPort}/`,
          '--notify',
          `http://127.0.0.1:${waitPort}/`,
        ],
        rl.env(),
      )
      expect(r.code, r.stderr).toBe(ExitCode.ROLLED_BACK)
      expect(r.stderr).not.toMatch(/not delivered/)
      expect(await waited).toBe(1)
      expect(JSON.parse(readFileSync(statusFile, 'utf8'))).toMatchObject({
        phase: 'rolled-back',
        from: 'v1',
        to: 'v2',
        message: expect.stringMatching(/the command gate failed at step 1: exit 1: p99 too high/),
      })
      const texts = chat.received.map((x) => (JSON.parse(x.body) as { text: string }).text)
      expect(chat.received[0].url).toBe('/services/T0/B0/secret')
      expect(texts).toEqual([
        expect.stringMatching(/^:rocket: Rollout of actor .* v1 → v2 in default started/),
        expect.stringMatching(/^:warning: command gate failed at step 1\/2 .*: exit 1: p99 too high/),
        expect.stringMatching(/^:rotating_light: Rollout of .* ROLLED BACK: the command gate failed/),
      ])
    } finally {
      relay.kill()
      waiter.kill()
      await chat.close()
    }
  })

  it('a state user that may not publish on lattice.rollout.> still runs the rollout; the webhooks still get every event', async () => {
    const id = await rl.actor()
    const user = createUser()
    const file = join(rl.l.dir, 'state-no-notify.creds')
    // No allow list at all (an empty one would allow nothing): everything but lattice.rollout.>.
    writeFileSync(
      file,
      fmtCreds(
        await encodeUser('state-no-notify', user, rl.l.id.app, {
          pub: { deny: ['lattice.rollout.>'] } as { allow: string[]; deny: string[] },
        }),
        user,
      ),
      { mode: 0o600 },
    )
    const bus = listen(id)
    const r = await lattice(
      [
        'rollout',
        'actor',
        id,
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '50,100',
        '--interval',
        '200ms',
        '--notify',
        recorder.url,
      ],
      { ...rl.env(), LATTICE_STATE_CREDS: file },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/completed: v2 has 100%/)
    expect(notesFor(recorder, id).map((n) => n.event.type)).toEqual(['started', 'step', 'step', 'completed'])
    await nc.flush()
    bus.sub.unsubscribe()
    expect(bus.notes).toEqual([])
  })
})
