/**
 * The state bucket on a 3-node JetStream cluster: created with 3 replicas, so stopping any one
 * node (the stream leader included) leaves shift, rollback, a rollout and an abort working,
 * each recorded exactly once; a bucket with fewer replicas is reported and scaled in place;
 * and when the state is truly unreachable, the error says which stream and which servers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { json, lattice } from '../helpers/cli.js'
import { historyOf } from '../helpers/cli-json.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { sleep } from '../helpers/nats-server.js'
import { useTestLattice } from '../helpers/test-lattice.js'

interface Health {
  bucket: string
  replicas: number
  allowed: number
  leader?: string
  followers: { server: string; current: boolean; offline: boolean }[]
  missingServers: string[]
  warnings: string[]
}

// A 3-node JetStream cluster just started may take over 30 s (seen on 2.10.27 in the CI matrix)
// before it can place a stream on every server; the helper waits up to 90 s for that.
const t = useTestLattice({ nodes: 3, jetstream: true }, 240_000)

/** The lattice env with the state in `bucket` (each test its own, so their replica counts differ). */
const envFor = (bucket: string, extra: Record<string, string> = {}) => ({
  ...t.l.env(),
  LATTICE_STATE_CREDS: t.l.appCredsFile,
  LATTICE_STATE_BUCKET: bucket,
  ...extra,
})
const nodeIndex = (name: string) => t.l.nodes.findIndex((n) => n.name === name)
/** Nodes a test stopped; started again after each test, whatever happened. */
const stopped = new Set<string>()
const stop = async (name: string) => {
  stopped.add(name)
  await t.l.stopNode(nodeIndex(name))
}
const restart = async (name: string) => {
  stopped.delete(name)
  await t.l.startNode(nodeIndex(name))
}
afterEach(async () => {
  for (const name of [...stopped]) await restart(name)
})

async function health(env: Record<string, string>): Promise<Health> {
  return json<Health>(await lattice(['state', '--json'], env))
}

/** Wait until the bucket has a leader and every replica is current (after a node came back, or a scale). */
async function settled(env: Record<string, string>, replicas: number): Promise<Health> {
  const deadline = Date.now() + 60_000
  let h: Health | undefined
  while (Date.now() < deadline) {
    h = await health(env).catch(() => undefined)
    if (
      h?.leader &&
      h.replicas === replicas &&
      h.followers.length === replicas - 1 &&
      h.followers.every((f) => f.current && !f.offline)
    )
      return h
    await sleep(500)
  }
  throw new Error(`the bucket did not settle: ${JSON.stringify(h)}`)
}

describe('a replicated state bucket', () => {
  it('is created with 3 replicas; stopping the stream leader mid-sequence stops nothing, and every change is recorded once', async () => {
    const env = envFor('avail')
    const [x, y, z] = [newActorId(), newActorId(), newActorId()]
    const first = await lattice(['shift', 'actor', x, '--force', '--from', 'v1', '--to', 'v2', '--weight', '30'], env)
    expect(first.code, first.stderr).toBe(0)
    let h = await settled(env, 3)
    expect(h.allowed).toBe(3)
    expect(h.warnings).toEqual([])
    const firstRev = Number(/Recorded as revision (\d+)/.exec(first.stdout)?.[1])

    // The leader goes away: the next commands reach the new one.
    const leader1 = h.leader as string
    await stop(leader1)
    // Live and recorded, but a server the first change saw is away: PARTLY_LIVE (exit 13) names it.
    const second = await lattice(['shift', 'actor', x, '--force', '--to', 'v2', '--weight', '60'], env)
    expect(second.code, second.stderr).toBe(13)
    expect(second.stderr).toMatch(
      new RegExp(`PARTLY_LIVE.*server ${leader1} \\(seen in earlier changes.*Recorded as revision \\d+\\.`, 's'),
    )
    const back = await lattice(['rollback', '--to', String(firstRev), '--force'], env)
    expect(back.code, back.stderr).toBe(13)
    const down = json<{ warnings: string[]; stateBucket: Health }>(
      await lattice(['status', '--servers', '--json'], env),
    )
    expect(down.stateBucket.followers.find((f) => f.server === leader1)?.offline).toBe(true)
    expect(down.warnings).toContain(`Replicas of avail offline: ${leader1}.`)
    await restart(leader1)
    h = await settled(env, 3)

    // A rollout connected only to the stream leader's server, which is stopped between its steps,
    // reconnects (to a server the cluster told it of) and runs to completion.
    const leader2 = h.leader as string
    const rollout = t.background(
      ['rollout', 'actor', y, '--force', '--from', 'v1', '--to', 'v2', '--steps', '20,50,100', '--interval', '1500ms'],
      { ...env, NATS_URL: t.l.nodes[nodeIndex(leader2)].clientUrl },
    )
    await rollout.waitFor(/step 1\/3: set weight 20%/)
    await stop(leader2)
    const done = await rollout.done
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.stdout).toMatch(/completed/)

    // With that node still down, an abort of a paused rollout restores the stable weights.
    const paused = t.background(
      [
        'rollout',
        'actor',
        z,
        '--force',
        '--from',
        'v1',
        '--to',
        'v2',
        '--steps',
        '10,pause,100',
        '--interval',
        '200ms',
      ],
      env,
    )
    await paused.waitFor(/waiting for `lattice rollout promote`/)
    const abort = await lattice(['rollout', 'abort', z], env)
    expect(abort.code, abort.stderr).toBe(0)
    expect((await paused.done).code).toBe(ExitCode.ROLLED_BACK)

    await restart(leader2)
    await settled(env, 3)
    const revisions = await historyOf(env)
    const numbers = revisions.map((r) => r.revision)
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i)) // consecutive: none lost, none twice
    const of = (id: string) =>
      revisions
        .filter((r) => r.changes.some((c) => c.entity.id === id))
        .map((r) => [r.kind, r.changes.find((c) => c.entity.id === id)?.after])
    expect(of(x)).toEqual([
      ['change', { v1: 70, v2: 30 }],
      ['change', { v1: 40, v2: 60 }],
      ['rollback', { v1: 70, v2: 30 }],
    ])
    expect(of(y)).toEqual([
      ['change', { v1: 80, v2: 20 }],
      ['change', { v1: 50, v2: 50 }],
      ['change', { v2: 100 }],
    ])
    expect(of(z)).toEqual([
      ['change', { v1: 90, v2: 10 }],
      ['change', null],
    ])
  })

  it('a bucket with fewer replicas than the cluster allows is reported, and `state scale` raises it with its history kept', async () => {
    const env = envFor('scaled', { LATTICE_STATE_REPLICAS: '1' })
    const actor = newActorId()
    expect((await lattice(['shift', 'actor', actor, '--force', '--to', 'v1', '--weight', '100'], env)).code).toBe(0)
    const before = await historyOf(env)
    const st = await lattice(['status', '--servers'], env)
    expect(st.stderr).toContain('Warning: The state bucket scaled has 1 replica where the cluster allows 3')
    expect(st.stdout).toMatch(/State bucket scaled \(stream KV_scaled\): 1 replica of 3 the cluster allows/)

    const bad = await lattice(['state', 'scale', '--replicas', '5'], env)
    expect(bad.code).toBe(ExitCode.INVALID_INPUT)
    expect(bad.stderr).toMatch(/INVALID_REPLICAS.*5 replicas need 5 JetStream servers/)

    const scaled = await lattice(['state', 'scale'], env)
    expect(scaled.code, scaled.stderr).toBe(0)
    expect(scaled.stdout).toContain('scaled: 1 -> 3 replicas.')
    // Read at once too: the new replicas may still be catching up (a listing from one of them lost revision 0 once).
    expect(await historyOf(env)).toEqual(before)
    await settled(env, 3)
    expect(await historyOf(env)).toEqual(before)
    expect((await lattice(['state', 'scale'], env)).stdout).toContain('scaled already has 3 replicas.')
  })

  it("state creds of an account without JetStream (the system account's, a common slip) are refused as such, and nothing is pushed", async () => {
    const actor = newActorId()
    const before = await liveJwt(t.l)
    const r = await lattice(['shift', 'actor', actor, '--force', '--to', 'v1', '--weight', '100'], {
      ...t.l.env(),
      LATTICE_STATE_CREDS: t.l.sysCredsFile,
      LATTICE_STATE_BUCKET: 'sys-account',
    })
    expect(r.code, r.stdout).toBe(ExitCode.CONNECTION)
    // Not a TIMEOUT after the 20 s a stream leader election is given: JetStream's API check says "not here" at once.
    expect(r.stderr).toMatch(
      /STATE_UNAVAILABLE.*cannot be opened: no JetStream answers for the --state-creds user's account/,
    )
    expect(r.stderr).toContain('JetStream enabled')
    expect(await liveJwt(t.l)).toBe(before)
  })

  it('when the only replica is down, the error names the stream and the missing server, and nothing is pushed', async () => {
    const env = envFor('single', { LATTICE_STATE_REPLICAS: '1', LATTICE_STATE_WAIT_MS: '3000' })
    const actor = newActorId()
    expect((await lattice(['shift', 'actor', actor, '--force', '--to', 'v1', '--weight', '100'], env)).code).toBe(0)
    const holder = (await health(env)).leader as string
    const others = t.l.nodes
      .filter((n) => n.name !== holder)
      .map((n) => n.clientUrl)
      .join(',')
    const before = await liveJwt(t.l, others.split(',')[0])
    await stop(holder)
    {
      const r = await lattice(['shift', 'actor', actor, '--force', '--to', 'v2', '--weight', '50'], {
        ...env,
        NATS_URL: others,
      })
      expect(r.code, r.stdout).toBe(ExitCode.CONNECTION)
      // The stream offline, or (when the stopped server also led the cluster's JetStream and no
      // successor was elected yet) JetStream silent while a server is missing: either names it.
      expect(r.stderr).toMatch(
        /STATE_UNAVAILABLE.*(stream KV_single.*|JetStream did not answer while servers are missing.*)History and locking are off/,
      )
      expect(r.stderr).toContain(`JetStream servers not answering: ${holder} (of n1, n2, n3).`)
      expect(r.stderr).toContain('--without-state')
      expect(await liveJwt(t.l, others.split(',')[0])).toBe(before)
    }
  })
})
