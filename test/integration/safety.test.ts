/**
 * Safety on a real 3-node cluster: the readiness gate, every server's acknowledgement and
 * installed JWT, --min-acks, and a server that was down catching up.
 */
import { writeFileSync } from 'node:fs'
import type { NatsConnection } from 'nats'
import { beforeAll, describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'
import { versionedSubject } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId } from '../helpers/ids.js'
import { liveJwt } from '../helpers/live.js'
import { serverAtLeast, serverVersion } from '../helpers/server-version.js'
import { startTestLattice, useTestLattice } from '../helpers/test-lattice.js'
import { measureSplit } from '../helpers/traffic.js'

interface ShiftJson {
  servers: { server: string; ok: boolean; message: string; installed?: string }[]
  minAcks: number
  confirmed: boolean
}
interface ServersJson {
  servers: { server: string; account: string; latest: boolean | null }[]
  storedCopies: { latest: number; total: number }
}

const t = useTestLattice({ nodes: 3, resolverInterval: '1s' })
// One application client per node, so every server has the account loaded (and installs mappings).
let apps: NatsConnection[] = []
const actor = newActorId()
const entity = { kind: 'actor' as const, id: actor }

beforeAll(async () => {
  apps = await Promise.all(t.l.nodes.map((n) => t.connect(t.l.appCredsFile, n.clientUrl)))
  // Instances of v1 and v2 (on different nodes); nothing serves v3.
  apps[0].subscribe(versionedSubject('default', entity, 'v1'), { queue: 'q' })
  apps[1].subscribe(versionedSubject('default', entity, 'v2'), { queue: 'q' })
  await Promise.all(apps.map((a) => a.flush()))
})
// n3's client, closed (with its node) by the stopped-node test: opened again after it.
const onN3 = () => t.connect(t.l.appCredsFile, t.l.nodes[2].clientUrl)

describe('every server, verified', () => {
  it('3 acknowledgements on 3 nodes, and each server runs the new JWT', async () => {
    const r = await lattice(['shift', 'actor', actor, '--from', 'v1', '--to', 'v2', '--weight', '30'], t.env())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /n1 \[test\]: jwt updated, installed\n {2}n2 \[test\]: jwt updated, installed\n {2}n3 \[test\]: jwt updated, installed/,
    )
    expect(r.stdout).toContain('Live: 3 of 3 servers acknowledged (3 required)')
    const j = json<ShiftJson>(
      await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '40', '--json'], t.env()),
    )
    expect(j.servers.map((s) => [s.server, s.ok, s.installed])).toEqual([
      ['n1', true, 'yes'],
      ['n2', true, 'yes'],
      ['n3', true, 'yes'],
    ])
    expect(j.minAcks).toBe(3)
    expect(j.confirmed).toBe(true)
  })

  it('refuses to give weight to a version nothing subscribes to, and changes nothing', async () => {
    const before = await liveJwt(t.l)
    const r = await lattice(['shift', 'actor', actor, '--to', 'v3', '--weight', '10'], t.env())
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toMatch(/VERSION_NOT_READY.*Nothing subscribes to actor \S+ version v3/)
    expect(r.stderr).toMatch(/--force/)
    expect(await liveJwt(t.l)).toBe(before)
    // A dry run says it would be refused, and pushes nothing either.
    const dry = await lattice(['shift', 'actor', actor, '--to', 'v3', '--weight', '10', '--dry-run'], t.env())
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stderr).toMatch(/would be refused without --force/)
    expect(await liveJwt(t.l)).toBe(before)
  })

  it('a stopped node: 2 acknowledgements; --min-acks 3 fails and changes nothing; back up, it catches up', async () => {
    await apps[2].close()
    await t.l.stopNode(2)
    const two = json<ShiftJson>(
      await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '50', '--json'], t.env()),
    )
    expect(two.servers.map((s) => [s.server, s.ok])).toEqual([
      ['n1', true],
      ['n2', true],
    ])
    expect(two.minAcks).toBe(2)

    const before = await liveJwt(t.l)
    const r = await lattice(['shift', 'actor', actor, '--to', 'v2', '--weight', '60', '--min-acks', '3'], t.env())
    expect(r.code).toBe(ExitCode.LIVE_STATE)
    expect(r.stderr).toMatch(
      /TOO_FEW_SERVERS.*Only 2 servers answered \(n1, n2\); --min-acks 3 needs 3\. Nothing was changed\./,
    )
    expect(await liveJwt(t.l)).toBe(before)

    await t.l.startNode(2)
    apps[2] = await onN3()
    let view: ServersJson | undefined
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      view = json<ServersJson>(await lattice(['status', '--servers', '--json'], t.env()))
      if (view.servers.length === 3 && view.servers.every((s) => s.latest === true)) break
      await new Promise((res) => setTimeout(res, 500))
    }
    expect(view?.servers.map((s) => [s.server, s.account, s.latest])).toEqual([
      ['n1', 'loaded', true],
      ['n2', 'loaded', true],
      ['n3', 'loaded', true],
    ])
    expect(view?.storedCopies).toEqual({ latest: 3, total: 3 })
    const text = await lattice(['status', '--servers'], t.env())
    expect(text.stdout).toMatch(/SERVER +CLUSTER +VERSION +ACCOUNT +JWT IAT +LATEST/)
    expect(text.stdout).toContain('Stored copies: 3 of 3 resolvers hold the newest JWT')
  })
})

describe('cluster-scoped weights', () => {
  it('shift --cluster routes the servers of that cluster; the rules of the server version and unknown clusters are refused before pushing', async () => {
    if (apps[2].isClosed()) apps[2] = await onN3()
    const scoped = newActorId()
    const e = { kind: 'actor' as const, id: scoped }
    const held = [
      apps[0].subscribe(versionedSubject('default', e, 'v1'), { queue: 'q' }),
      apps[1].subscribe(versionedSubject('default', e, 'v2'), { queue: 'q' }),
    ]
    await Promise.all(apps.map((a) => a.flush()))
    try {
      const r = await lattice(
        ['shift', 'actor', scoped, '--cluster', 'test', '--from', 'v1', '--to', 'v2', '--weight', '100'],
        t.env(),
      )
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain(`actor ${scoped}: in cluster test: v2 0% -> 100%`)
      const st = json<{ routes: { id: string; clusters?: Record<string, Record<string, number>> }[] }>(
        await lattice(['status', '--json'], t.env()),
      )
      expect(st.routes.find((x) => x.id === scoped)?.clusters).toEqual({ test: { v2: 100 } })
    } finally {
      for (const h of held) h.unsubscribe()
    }
    // Real traffic published on n3 follows the cluster's weights.
    const counts = await measureSplit(
      apps[0],
      `wasmbus.rpc.default.${scoped}`,
      { v1: versionedSubject('default', e, 'v1'), v2: versionedSubject('default', e, 'v2') },
      1000,
      apps[2],
    )
    expect(counts).toEqual({ v1: 0, v2: 1000 })

    // v2 unscoped beside v2 in cluster test: a destination twice, which no server installs; and
    // before 2.10.18 scoped and unscoped weights also count against one 100% total.
    const before = await liveJwt(t.l)
    const over = await lattice(
      ['shift', 'actor', '--force', scoped, '--from', 'v1', '--to', 'v2', '--weight', '50'],
      t.env(),
    )
    expect(over.code).toBe(ExitCode.LIVE_STATE)
    expect(over.stderr).toMatch(
      new RegExp(`SERVER_RULES.*oldest: nats-server ${serverVersion().replaceAll('.', '\\.')}.*is a destination twice`),
    )
    if (serverAtLeast('2.10.18')) expect(over.stderr).not.toMatch(/add up to/)
    else expect(over.stderr).toMatch(/add up to 200%.*one 100% total/)
    const unknown = await lattice(
      ['shift', 'actor', '--force', scoped, '--cluster', 'nope', '--to', 'v2', '--weight', '50'],
      t.env(),
    )
    expect(unknown.code).toBe(ExitCode.INVALID_INPUT)
    expect(unknown.stderr).toMatch(/UNKNOWN_CLUSTER.*"nope".*Clusters: test/s)
    expect(await liveJwt(t.l)).toBe(before)

    // --clear removes the cluster's scoped weights without a spec: unmapped again, no cluster left.
    const mixed = await lattice(['shift', 'actor', scoped, '--cluster', 'test', '--clear', '--to', 'v2'], t.env())
    expect(mixed.code).toBe(ExitCode.USAGE)
    expect(mixed.stderr).toMatch(/--to=v2 cannot also be provided when using --clear/)
    const bare = await lattice(['shift', 'actor', scoped, '--clear'], t.env())
    expect(bare.code).toBe(ExitCode.USAGE)
    expect(bare.stderr).toMatch(/All of the following must be provided when using --clear: --cluster/)
    const cleared = await lattice(['shift', 'actor', scoped, '--cluster', 'test', '--clear'], t.env())
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(cleared.stdout).toContain(`actor ${scoped}: in cluster test: v2 100% -> 0% (mapping removed)`)
    const after = json<{ routes: { id: string }[] }>(await lattice(['status', '--json'], t.env()))
    expect(after.routes.find((x) => x.id === scoped)).toBeUndefined()
    const again = await lattice(['shift', 'actor', scoped, '--cluster', 'test', '--clear'], t.env())
    expect(again.stdout).toMatch(/No change/)
  })
})

describe('server limits', () => {
  it('a JWT over max_payload is refused before pushing, saying how many routes fit', async () => {
    const small = await startTestLattice({ extraConfig: 'max_payload: 4096' })
    try {
      const dir = small.l.dir
      const ids = Array.from({ length: 40 }, () => newActorId())
      const file = `${dir}/big.yaml`
      writeFileSync(
        file,
        `splits:\n${ids.map((id) => `  - actor: ${id}\n    weights: { "1.0.0": 50, "2.0.0": 50 }`).join('\n')}\n`,
      )
      const before = await liveJwt(small.l)
      const r = await lattice(['apply', '--force', '-f', file], small.env())
      expect(r.code).toBe(ExitCode.LIVE_STATE)
      expect(r.stderr).toMatch(
        /JWT_TOO_LARGE.*over the servers' max_payload of 4096 bytes: about (\d+) routes of lattice default fit, this change needs 40/,
      )
      const fit = Number(/about (\d+) routes/.exec(r.stderr)?.[1])
      expect(fit).toBeGreaterThan(5)
      expect(fit).toBeLessThan(40)
      expect(await liveJwt(small.l)).toBe(before)
      // As many as it says fit do fit.
      writeFileSync(
        file,
        `splits:\n${ids
          .slice(0, fit)
          .map((id) => `  - actor: ${id}\n    weights: { "1.0.0": 50, "2.0.0": 50 }`)
          .join('\n')}\n`,
      )
      const ok = await lattice(['apply', '--force', '-f', file], small.env())
      expect(ok.code, ok.stderr).toBe(0)
    } finally {
      await small.stop()
    }
  })
})
