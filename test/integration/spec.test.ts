/** plan / apply / swap / env subjects with a real server and real traffic. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { Host } from '../../src/host-core/index.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { liveClaims, liveJwt } from '../helpers/live.js'
import { useTestLattice } from '../helpers/test-lattice.js'
import { appConnection, measureSplit } from '../helpers/traffic.js'

const t = useTestLattice()
let app: NatsConnection
let dir: string
const [web, api, ab, faulty, stray] = [newActorId(), newActorId(), newActorId(), newActorId(), newActorId()]
const db = newProviderId()

const specText = () => `# production lattice: keep this comment
environments:
  blue:   # the old set
    actors: { ${web}: "1.0.0", ${api}: "1.0.0" }
    providers:
      - { id: ${db}, link: default, version: "0.3.0" }
  green:  # the new set
    actors: { ${web}: "1.1.0", ${api}: "1.0.1" }
    providers:
      - { id: ${db}, link: default, version: "0.4.0" }
live: blue   # who gets the traffic
splits:
  - actor: ${ab}
    weights: { "1.0.0": 90, "2.0.0": 10 }
faults:
  - actor: ${faulty}
    drop: 20
`

beforeAll(async () => {
  app = await t.connect()
  dir = mkdtempSync(join(tmpdir(), 'lattice-spec-'))
})

const actorDest = (id: string, ...versions: string[]) =>
  Object.fromEntries(versions.map((v) => [v, versionedSubject('default', { kind: 'actor', id }, v)]))
const pct = (counts: Record<string, number>, k: string, n = 10_000) => (counts[k] / n) * 100

describe('spec workflow', () => {
  const file = () => join(dir, 'lattice.yaml')

  it('plan shows the difference, apply makes it live in one push, re-apply is a no-op', async () => {
    writeFileSync(file(), specText())
    await lattice(['shift', 'actor', '--force', stray, '--from', 'a', '--to', 'b', '--weight', '50'], t.l.env())

    const plan = await lattice(['plan', '-f', file(), '--detailed-exitcode'], t.l.env())
    expect(plan.code, plan.stderr).toBe(2)
    expect(plan.stdout).toContain('5 entities would change')
    expect(plan.stdout).toContain(`actor ${ab}: 1.0.0 0% -> 90%, 2.0.0 0% -> 10%`)
    expect(plan.stdout).toContain(`actor ${faulty}: dropped 0% -> 20%`)
    expect(plan.stdout).not.toContain(stray)
    const planJson = json<{ changes: unknown[]; pushed: boolean }>(
      await lattice(['plan', '-f', file(), '--json'], t.l.env()),
    )
    expect(planJson.changes).toHaveLength(5)
    expect(planJson.pushed).toBe(false)

    const apply = await lattice(['apply', '--force', '-f', file()], t.l.env())
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stdout.match(/n1: jwt updated/g)).toHaveLength(1) // one push for every entity

    let counts = await measureSplit(app, `wasmbus.rpc.default.${web}`, actorDest(web, '1.0.0', '1.1.0'))
    expect(counts).toEqual({ '1.0.0': 10_000, '1.1.0': 0 })
    counts = await measureSplit(app, `wasmbus.rpc.default.${ab}`, actorDest(ab, '1.0.0', '2.0.0'))
    expect(Math.abs(pct(counts, '2.0.0') - 10)).toBeLessThanOrEqual(2.5)
    counts = await measureSplit(app, `wasmbus.rpc.default.${faulty}`, {
      kept: `wasmbus.rpc.default.${faulty}`,
      dropped: `wasmbus.rpc.default.${faulty}._drop`,
    })
    expect(Math.abs(pct(counts, 'dropped') - 20)).toBeLessThanOrEqual(2.5)

    const iat = (await liveClaims(t.l)).iat
    const again = await lattice(['apply', '--force', '-f', file()], t.l.env())
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/No change/)
    expect((await liveClaims(t.l)).iat).toBe(iat)
    expect((await lattice(['plan', '-f', file(), '--detailed-exitcode'], t.l.env())).code).toBe(0)
  })

  it('a fault makes that share of real requests fail with no responders', async () => {
    const nc = await appConnection(t.l.url, t.l.appCredsFile)
    const host = await Host.start({ nc, control: false })
    try {
      await host.startActor({ id: faulty, version: '1.0.0', handler: () => 'ok' })
      let ok = 0
      let noResponders = 0
      await Promise.all(
        Array.from({ length: 2000 }, () =>
          app.request(`wasmbus.rpc.default.${faulty}`, undefined, { timeout: 5000 }).then(
            () => ok++,
            (e) => (String(e.code) === '503' ? noResponders++ : Promise.reject(e)),
          ),
        ),
      )
      expect(ok + noResponders).toBe(2000)
      expect(Math.abs((noResponders / 2000) * 100 - 20)).toBeLessThanOrEqual(4)
    } finally {
      await host.close()
      await nc.close()
    }
  })

  it('swap moves every entity of the environment in one push, traffic follows, the file keeps its comments', async () => {
    const before = readFileSync(file(), 'utf8')
    const r = await lattice(['swap', '--force', 'blue', 'green', '-f', file()], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.match(/n1: jwt updated/g)).toHaveLength(1)
    expect(r.stdout).toContain(`actor ${web}: 1.0.0 100% -> 0%, 1.1.0 0% -> 100%`)
    expect(r.stdout).toContain(`provider ${db} (link default): 0.3.0 100% -> 0%, 0.4.0 0% -> 100%`)
    expect(readFileSync(file(), 'utf8')).toBe(before.replace('live: blue   #', 'live: green   #'))

    expect(await measureSplit(app, `wasmbus.rpc.default.${web}`, actorDest(web, '1.0.0', '1.1.0'), 2000)).toEqual({
      '1.0.0': 0,
      '1.1.0': 2000,
    })
    expect(await measureSplit(app, `wasmbus.rpc.default.${api}`, actorDest(api, '1.0.0', '1.0.1'), 2000)).toEqual({
      '1.0.0': 0,
      '1.0.1': 2000,
    })
    // the split and the fault were not touched by the swap
    const status = json<{ routes: { id: string; weights: Record<string, number>; drop?: number }[] }>(
      await lattice(['status', '--json'], t.l.env()),
    )
    expect(status.routes.find((x) => x.id === ab)?.weights).toEqual({ '1.0.0': 90, '2.0.0': 10 })
    expect(status.routes.find((x) => x.id === faulty)?.drop).toBe(20)
  })

  it('swap refuses when FROM is not live, or TO is not an environment', async () => {
    const jwt = await liveJwt(t.l)
    const notLive = await lattice(['swap', 'blue', 'green', '-f', file()], t.l.env())
    expect(notLive.code).toBe(ExitCode.LIVE_STATE)
    expect(notLive.stderr).toMatch(/SWAP_NOT_LIVE.*says live: green, not blue/)
    const noEnv = await lattice(['swap', 'green', 'purple', '-f', file()], t.l.env())
    expect(noEnv.code).toBe(ExitCode.INVALID_INPUT)
    expect(noEnv.stderr).toMatch(/UNKNOWN_ENVIRONMENT.*"purple"/)
    // The file says green, but the servers were changed behind its back.
    await lattice(['shift', 'actor', '--force', web, '--to', '1.0.0', '--weight', '50'], t.l.env())
    const drifted = await lattice(['swap', 'green', 'blue', '-f', file(), '--no-write'], t.l.env())
    expect(drifted.code, drifted.stderr).toBe(ExitCode.LIVE_STATE)
    expect(drifted.stderr).toMatch(/green is not what is live: actor .* is not routed as green says/)
    const forced = await lattice(['swap', 'green', 'blue', '-f', file(), '--no-write', '--force'], t.l.env())
    expect(forced.code, forced.stderr).toBe(0)
    expect(readFileSync(file(), 'utf8')).toContain('live: green')
    expect(jwt).not.toBe(await liveJwt(t.l))
  })

  it('--prune removes lattice routes the file does not name; without it they stay', async () => {
    let st = json<{ routes: { id: string }[] }>(await lattice(['status', '--json'], t.l.env()))
    expect(st.routes.map((r) => r.id)).toContain(stray)
    const r = await lattice(['apply', '--force', '-f', file(), '--prune'], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`actor ${stray}: a 50% -> 0%, b 50% -> 0% (mapping removed)`)
    st = json<{ routes: { id: string }[] }>(await lattice(['status', '--json'], t.l.env()))
    expect(st.routes.map((x) => x.id)).not.toContain(stray)
  })

  it('env subjects lists where an environment answers directly', async () => {
    const r = json<{ subjects: { id: string; version: string; subject: string }[] }>(
      await lattice(['env', 'subjects', 'green', '-f', file(), '--json'], {}),
    )
    expect(r.subjects).toEqual([
      { kind: 'actor', id: web, version: '1.1.0', subject: `wasmbus.rpc.default.${web}.MS4xLjA` },
      { kind: 'actor', id: api, version: '1.0.1', subject: `wasmbus.rpc.default.${api}.MS4wLjE` },
      {
        kind: 'provider',
        id: db,
        link: 'default',
        version: '0.4.0',
        subject: `wasmbus.rpc.default.${db}.default.MC40LjA`,
      },
    ])
  })

  it('swaps an environment whose entity has a fault, and finishes a swap whose file write was lost', async () => {
    const [x, y] = [newActorId(), newActorId()]
    const f = join(dir, 'faulted.yaml')
    const text = `environments:\n  blue: { actors: { ${x}: "1", ${y}: "1" } }\n  green: { actors: { ${x}: "2", ${y}: "2" } }\nlive: blue\nfaults:\n  - actor: ${x}\n    drop: 5\n`
    writeFileSync(f, text)
    expect((await lattice(['apply', '--force', '-f', f], t.l.env())).code).toBe(0)
    const r = await lattice(['swap', '--force', 'blue', 'green', '-f', f, '--no-write'], t.l.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`actor ${x}: 1 95% -> 0%, 2 0% -> 95%, dropped 5% -> 5%`)
    // The push went out but the file still says blue: running the swap again only fixes the file.
    const iat = (await liveClaims(t.l)).iat
    const retry = await lattice(['swap', '--force', 'blue', 'green', '-f', f], t.l.env())
    expect(retry.code, retry.stderr).toBe(0)
    expect(retry.stdout).toMatch(/No change/)
    expect((await liveClaims(t.l)).iat).toBe(iat)
    expect(readFileSync(f, 'utf8')).toBe(text.replace('live: blue', 'live: green'))
  })

  it('plan --detailed-exitcode exits 1 on a usage error (never 2)', async () => {
    expect((await lattice(['plan', '-f', file(), '--detailed-exitcode', '--prnue'], t.l.env())).code).toBe(1)
  })

  it('takes account and lattice from the file; flags win', async () => {
    const f = join(dir, 'scoped.yaml')
    const other = newActorId()
    writeFileSync(
      f,
      `lattice: lab\naccount: ${t.l.appAccount}\nsplits:\n  - actor: ${other}\n    weights: { "1": 50, "2": 50 }\n`,
    )
    const r = await lattice(['apply', '--force', '-f', f], { ...t.l.env(), LATTICE_ACCOUNT: undefined })
    expect(r.code, r.stderr).toBe(0)
    const lab = json<{ routes: { id: string }[] }>(await lattice(['status', '--json', '--lattice', 'lab'], t.l.env()))
    expect(lab.routes.map((x) => x.id)).toEqual([other])
    const flagWins = json<{ lattice: string }>(await lattice(['plan', '-f', f, '--lattice', 'qa', '--json'], t.l.env()))
    expect(flagWins.lattice).toBe('qa')
  })

  it('bad files: every problem located, nothing pushed, non-zero exit', async () => {
    const f = join(dir, 'bad.yaml')
    writeFileSync(
      f,
      `live: blue\nsplits:\n  - actor: ${ab}\n    weigths: { "1.0.0": 100 }\n  - actor: ${faulty}\n    weights: { "1.0.0": 70, "2.0.0": 20 }\n`,
    )
    const before = await liveJwt(t.l)
    for (const cmd of ['apply', 'plan']) {
      const r = await lattice([cmd, '-f', f], t.l.env())
      expect(r.code).toBe(ExitCode.INVALID_INPUT)
      expect(r.stderr).toContain(`${f}:1:7 UNKNOWN_LIVE`)
      expect(r.stderr).toContain(`${f}:4:5 UNKNOWN_KEY Unknown key "weigths" in a split. Did you mean "weights"?`)
      expect(r.stderr).toContain(`${f}:6:14 WEIGHTS_SUM Weights sum to 90, not 100.`)
    }
    const j = json<{ error: { code: string; details: { problems: unknown[] } } }>(
      await lattice(['apply', '--force', '-f', f, '--json'], t.l.env()),
    )
    expect(j.error.code).toBe('SPEC_INVALID')
    expect(j.error.details.problems.length).toBe(4)
    expect((await lattice(['plan', '-f', f, '--detailed-exitcode'], t.l.env())).code).toBe(1)
    expect((await lattice(['apply', '--force', '-f', join(dir, 'missing.yaml')], t.l.env())).code).toBe(
      ExitCode.INVALID_INPUT,
    )
    expect(await liveJwt(t.l)).toBe(before)
  })
})
