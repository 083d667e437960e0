/**
 * docs/safety.md's samples on a cluster of three with JetStream: a change verified on every
 * server, status --servers, the history, the state bucket with a server down and scaled up, and
 * a seed pasted as an argument.
 */
import { createUser } from 'nkeys.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Transcript } from './sample.js'
import { expectSample } from './sample.js'
import { type Scene, fixedActor, startScene } from './scene.js'

const [A, E] = [fixedActor(1), fixedActor(7)]
const OLD = { LATTICE_STATE_BUCKET: 'old', LATTICE_STATE_REPLICAS: '1' }

/** Run `lattice state` (unrecorded) until its output passes `ok`: JetStream settles in its own time after a server stops or starts. */
async function stateUntil(t: Transcript, ok: (out: string) => boolean): Promise<void> {
  await expect
    .poll(
      async () => {
        const r = await t.run('lattice state', { hidden: true, code: 'any' })
        return ok(r.stdout + r.stderr)
      },
      { timeout: 60_000, interval: 1000 },
    )
    .toBe(true)
}

describe('safe changes', () => {
  let s: Scene
  beforeAll(async () => {
    s = await startScene({ nodes: 3 })
    await s.run([
      { actor: A, versions: ['v1', 'v2'] },
      { actor: E, versions: ['v1', 'v2'] },
    ])
  }, 240_000)
  afterAll(() => s?.stop())

  it('a shift acknowledged by every server, status --servers, the history', async () => {
    const t = s.transcript()
    await t.run(`lattice shift actor ${A} --from v1 --to v2 --weight 30`)
    expectSample('safety/shift', t.text())
    t.reset()
    await t.run('lattice status --servers')
    expectSample('safety/status-servers', t.text())
    t.reset()
    await t.run(`lattice shift actor ${A} --to v1 --weight 100`, { hidden: true })
    await t.run('lattice history')
    expectSample('safety/history', t.text())
  }, 120_000)

  it('the state bucket with a server down; an old bucket of one replica scaled up', async () => {
    const t = s.transcript()
    // A bucket made with one replica: as a lattice older than the replica choice made it.
    await t.run(`lattice shift actor ${E} --to v1 --weight 100`, { hidden: true, env: OLD })
    await s.l.stopNode(2)
    await stateUntil(t, (out) => /OFFLINE/.test(out))
    await t.run('lattice state')
    t.gap()
    await s.l.startNode(2)
    await stateUntil(t, (out) => !/OFFLINE|not answering/.test(out))
    await t.run('lattice state scale', {
      env: { LATTICE_STATE_BUCKET: 'old' },
      comment: 'a bucket made with one replica (LATTICE_STATE_BUCKET=old)',
    })
    expectSample('safety/state', t.text())
  }, 180_000)

  it('the state truly unreachable: the one replica of a bucket on a stopped server', async () => {
    const t = s.transcript()
    const LONE = { LATTICE_STATE_BUCKET: 'lone', LATTICE_STATE_REPLICAS: '1' }
    await t.run(`lattice shift actor ${E} --to v2 --weight 10`, { hidden: true, env: LONE })
    // JetStream places the one replica: stop the server it chose (the doc's error names it; the normaliser hides which).
    const state = await t.run('lattice state', { hidden: true, env: LONE })
    const server = /^n(\d)\s+leader\b/m.exec(state.stdout)?.[1]
    expect(server, state.stdout).toBeDefined()
    await s.l.stopNode(Number(server) - 1)
    try {
      await expect
        .poll(
          async () =>
            (await t.run(`lattice shift actor ${E} --to v2 --weight 30`, { hidden: true, code: 'any', env: LONE }))
              .stderr,
          // A loaded machine's JetStream may take a minute to tell the replica's server is gone.
          { timeout: 120_000, interval: 1000 },
        )
        .toMatch(/STATE_UNAVAILABLE.*stream is offline/)
      await t.run(`lattice shift actor ${E} --to v2 --weight 30`, { code: 5, env: LONE })
      expectSample('safety/state-unavailable', t.text())
    } finally {
      await s.l.startNode(Number(server) - 1)
    }
  }, 200_000)

  it('a seed pasted as an argument is refused and never printed', async () => {
    const t = s.transcript()
    const seed = new TextDecoder().decode(createUser().getSeed())
    const r = await t.run(`lattice shift actor ${seed} --to v2 --weight 40`, {
      code: 4,
      shown: 'lattice shift actor SU… --to v2 --weight 40',
    })
    expect(r.stdout + r.stderr).not.toContain(seed)
    expectSample('safety/seed', t.text())
  })
})
