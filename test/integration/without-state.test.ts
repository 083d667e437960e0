/**
 * The emergency path (--without-state) of a change on a real server: refused without the flag,
 * pushed and saved on this machine with it, recorded once the state is back (here or as drift
 * elsewhere); on a cluster whose one-replica state stream is offline. "This machine" is a
 * LATTICE_STATE_DIR; another machine is another one (test/helpers/machines.ts).
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCreds } from '../../src/auth/creds-file.js'
import { ExitCode } from '../../src/errors.js'
import { containsSecret } from '../../src/redact.js'
import { openConnection } from '../../src/resolver/connection.js'
import { json, lattice } from '../helpers/cli.js'
import { historyOf, weightsOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { LOADED_MS, useMachines } from '../helpers/machines.js'
import { startTestLattice, useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ jetstream: true })
const { machine, up, down, savedIn } = useMachines(t)

const shift = (env: Record<string, string>, actor: string, ...rest: string[]) =>
  lattice(['shift', 'actor', actor, '--force', ...rest], env)

describe('--without-state', () => {
  it(
    'without the flag, an unreachable state stops the change (STATE_UNAVAILABLE, exit 5) and nothing is pushed',
    async () => {
      const here = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)
      const before = await liveJwt(t.l)
      const r = await shift(down(here), actor, '--to', 'v2', '--weight', '50', '--json')
      expect(r.code, r.stderr).toBe(ExitCode.CONNECTION)
      expect(json<{ error: { code: string } }>(r).error.code).toBe('STATE_UNAVAILABLE')
      expect(await liveJwt(t.l)).toBe(before)
      expect(savedIn(here)).toEqual([])
    },
    LOADED_MS,
  )

  it(
    'with the flag, pushes loudly warned and saved here; the next change with the state back records each push as its own revision, then its own',
    async () => {
      const here = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)

      const first = await shift(down(here), actor, '--to', 'v2', '--weight', '50', '--without-state')
      expect(first.code, first.stderr).toBe(0)
      // Why the state is off: refused at once, or (a loaded machine) no answer within the 5 s --without-state allows it.
      expect(first.stderr).toMatch(
        /PUSHED WITHOUT THE LATTICE STATE \(.*(cannot be opened|did not open within \d+(\.\d)? s).*\): no lock against other writers, and no history until the state is back/,
      )
      expect(first.stdout).toMatch(/NOT RECORDED: pushed without the lattice state/)
      const second = json<{ withoutState?: boolean; history: string; warnings: string[]; revision?: number }>(
        await shift(down(here), actor, '--to', 'v2', '--weight', '60', '--without-state', '--json'),
      )
      expect(second).toMatchObject({ withoutState: true, history: 'off' })
      expect(second.revision).toBeUndefined()
      expect(second.warnings[0]).toMatch(/^PUSHED WITHOUT THE LATTICE STATE/)
      expect(await weightsOf(up(here), actor)).toEqual({ v1: 40, v2: 60 })

      // Saved here, private, and free of secrets.
      const files = savedIn(here)
      expect(files).toHaveLength(2)
      expect(statSync(join(here, 'unrecorded', t.l.appAccount)).mode & 0o777).toBe(0o700)
      const operatorSeed = readFileSync(t.l.operatorSeedFile, 'utf8').trim()
      for (const f of files) {
        expect(statSync(f).mode & 0o777).toBe(0o600)
        const text = readFileSync(f, 'utf8')
        expect(containsSecret(text)).toBe(false)
        expect(text).not.toContain(operatorSeed)
        expect(JSON.parse(text)).toMatchObject({
          account: t.l.appAccount,
          before: expect.any(Object),
          mappings: expect.any(Object),
          jwtHash: expect.any(String),
        })
      }

      // `history` and `status` say this machine holds pushes not recorded yet.
      const pendingHistory = await lattice(['history'], up(here))
      expect(pendingHistory.stderr).toMatch(
        /This machine holds 2 changes pushed without the lattice state and not in the history yet/,
      )
      expect((await lattice(['status'], up(here))).stderr).toMatch(
        /This machine holds 2 changes pushed without the lattice state/,
      )

      const back = await shift(up(here), actor, '--to', 'v2', '--weight', '70')
      expect(back.code, back.stderr).toBe(0)
      expect(back.stderr).toMatch(/Recorded revision \d+: a change pushed without the lattice state/)
      expect(savedIn(here)).toEqual([])
      const revs = await historyOf(up(here), actor)
      expect(revs.map((x) => [x.kind, x.pushedWithoutState ?? false, x.changes[0].before, x.changes[0].after])).toEqual(
        [
          ['change', false, null, { v1: 70, v2: 30 }],
          ['change', true, { v1: 70, v2: 30 }, { v1: 50, v2: 50 }],
          ['change', true, { v1: 50, v2: 50 }, { v1: 40, v2: 60 }],
          ['change', false, { v1: 40, v2: 60 }, { v1: 30, v2: 70 }],
        ],
      )
      expect(revs[1].command).toBe(`lattice shift actor ${actor} --force --to v2 --weight 50 --without-state`)
      expect(revs[2].command).toBe(`lattice shift actor ${actor} --force --to v2 --weight 60 --without-state --json`)
      expect(revs[1].who.user).toBe(revs[0].who.user)
      expect(revs.map((x) => x.revision)).toEqual([
        revs[0].revision,
        revs[0].revision + 1,
        revs[0].revision + 2,
        revs[0].revision + 3,
      ])
      const text = await lattice(['history'], up(here))
      expect(text.stdout).toMatch(new RegExp(`${revs[1].revision} +\\S+ +change\\* `))
      expect(text.stdout).toMatch(/change\*: pushed with --without-state while the lattice state was down/)
      expect(text.stderr).toBe('')
    },
    LOADED_MS,
  )

  it(
    'another machine records a push made without the state as drift; the pushing machine then finds its copy off the chain, warns and drops it',
    async () => {
      const here = machine()
      const elsewhere = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)
      expect((await shift(down(here), actor, '--to', 'v2', '--weight', '50', '--without-state')).code).toBe(0)

      const other = await shift(up(elsewhere), actor, '--to', 'v2', '--weight', '60', '--accept-drift')
      expect(other.code, other.stderr).toBe(0)
      let revs = await historyOf(up(elsewhere), actor)
      expect(revs.map((x) => [x.kind, x.changes[0].before, x.changes[0].after])).toEqual([
        ['change', null, { v1: 70, v2: 30 }],
        ['drift', { v1: 70, v2: 30 }, { v1: 50, v2: 50 }],
        ['change', { v1: 50, v2: 50 }, { v1: 40, v2: 60 }],
      ])

      const back = await shift(up(here), actor, '--to', 'v2', '--weight', '70')
      expect(back.code, back.stderr).toBe(0)
      expect(back.stderr).toMatch(
        /1 change pushed from this machine without the lattice state .* no longer follows on from the recorded history .*not replayed/,
      )
      expect(savedIn(here)).toEqual([])
      revs = await historyOf(up(here), actor)
      expect(revs.filter((x) => x.pushedWithoutState)).toEqual([])
      expect(revs.at(-1)?.changes[0].after).toEqual({ v1: 30, v2: 70 })
    },
    LOADED_MS,
  )

  it(
    'a push replayed from this machine, then one made elsewhere without the state: change*, then drift',
    async () => {
      const here = machine()
      const elsewhere = machine()
      const actor = newActorId()
      expect((await shift(up(here), actor, '--from', 'v1', '--to', 'v2', '--weight', '30')).code).toBe(0)
      expect((await shift(down(here), actor, '--to', 'v2', '--weight', '50', '--without-state')).code).toBe(0)
      expect((await shift(down(elsewhere), actor, '--to', 'v2', '--weight', '60', '--without-state')).code).toBe(0)
      const back = await shift(up(here), actor, '--to', 'v2', '--weight', '70', '--accept-drift')
      expect(back.code, back.stderr).toBe(0)
      const revs = await historyOf(up(here), actor)
      expect(revs.map((x) => [x.kind, x.pushedWithoutState ?? false, x.changes[0].after])).toEqual([
        ['change', false, { v1: 70, v2: 30 }],
        ['change', true, { v1: 50, v2: 50 }],
        ['drift', false, { v1: 40, v2: 60 }],
        ['change', false, { v1: 30, v2: 70 }],
      ])
      // The other machine's copy is the live JWT the drift revision recorded: dropped without replaying it twice.
      const later = await shift(up(elsewhere), actor, '--to', 'v2', '--weight', '80')
      expect(later.code, later.stderr).toBe(0)
      expect(savedIn(elsewhere)).toEqual([])
      expect((await historyOf(up(here), actor)).map((x) => x.kind)).toEqual([
        'change',
        'change',
        'drift',
        'change',
        'change',
      ])
    },
    LOADED_MS,
  )

  it(
    'with the state up the flag does nothing (noted); rollback cannot work without the history and says so',
    async () => {
      const here = machine()
      const actor = newActorId()
      const r = await shift(up(here), actor, '--from', 'v1', '--to', 'v2', '--weight', '30', '--without-state')
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/Recorded as revision \d+\./)
      expect(r.stderr).toMatch(/The lattice state was available, so --without-state did nothing/)
      expect(savedIn(here)).toEqual([])

      const before = await liveJwt(t.l)
      const rb = await lattice(['rollback', '--without-state'], down(here))
      expect(rb.code).toBe(ExitCode.CONNECTION)
      expect(rb.stderr).toMatch(
        /STATE_UNAVAILABLE.*A rollback needs the history.*--without-state cannot help here. Nothing was changed/,
      )
      expect(await liveJwt(t.l)).toBe(before)
    },
    LOADED_MS,
  )
})

describe('--without-state on a cluster whose one-replica state stream is offline', () => {
  it('the state stops changes until --without-state pushes past it; once the node is back the push is recorded', async () => {
    const cluster = await startTestLattice({ nodes: 3, jetstream: true })
    const c = cluster.l
    try {
      const here = machine()
      const actor = newActorId()
      // One replica, on purpose: losing its server makes the bucket unreachable.
      const env = (creds: string) => ({
        ...c.env(),
        LATTICE_STATE_CREDS: creds,
        LATTICE_STATE_DIR: here,
        LATTICE_STATE_REPLICAS: '1',
        LATTICE_STATE_BUCKET: 'lattice-state-r1',
      })
      expect(
        (
          await lattice(
            ['shift', 'actor', actor, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'],
            env(c.appCredsFile),
          )
        ).code,
      ).toBe(0)
      const nc = await openConnection({ servers: c.urls, creds: readCreds(c.appCredsFile) })
      let holder: number
      try {
        const info = await (await nc.jetstreamManager()).streams.info('KV_lattice-state-r1')
        holder = c.nodes.findIndex((n) => n.name === info.cluster?.leader)
      } finally {
        await nc.close()
      }
      expect(holder).toBeGreaterThanOrEqual(0)
      await c.stopNode(holder)
      const live = c.nodes
        .filter((_, i) => i !== holder)
        .map((n) => n.clientUrl)
        .join(',')
      const offline = { ...env(c.appCredsFile), NATS_URL: live }
      const jwtBefore = await liveJwt(c, c.nodes[(holder + 1) % 3].clientUrl)

      const refused = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '50'], offline)
      expect(refused.code, refused.stderr).toBe(ExitCode.CONNECTION)
      expect(refused.stderr).toMatch(/STATE_UNAVAILABLE|DEADLINE/)
      expect(await liveJwt(c, c.nodes[(holder + 1) % 3].clientUrl)).toBe(jwtBefore)

      const pushed = await lattice(
        ['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '50', '--without-state'],
        offline,
      )
      expect(pushed.code, pushed.stderr).toBe(0)
      expect(pushed.stderr).toMatch(/PUSHED WITHOUT THE LATTICE STATE/)
      expect(savedIn(here, c.appAccount)).toHaveLength(1)

      await c.startNode(holder)
      // The stream comes back with its server; the next change records the push, then its own.
      let back = await lattice(
        ['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '60'],
        env(c.appCredsFile),
      )
      for (let i = 0; back.code !== 0 && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 500))
        back = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '60'], env(c.appCredsFile))
      }
      expect(back.code, back.stderr).toBe(0)
      const revs = await historyOf(env(c.appCredsFile), actor)
      expect(revs.map((x) => [x.kind, x.pushedWithoutState ?? false, x.changes[0].after])).toEqual([
        ['change', false, { v1: 70, v2: 30 }],
        ['change', true, { v1: 50, v2: 50 }],
        ['change', false, { v1: 40, v2: 60 }],
      ])
      expect(savedIn(here, c.appAccount)).toEqual([])
    } finally {
      await cluster.stop()
    }
  }, 120_000)
})
