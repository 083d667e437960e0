/**
 * Errors a new operator meets (issue #14): each names the right flag, command or fix, through the
 * real CLI against a real nats-server.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodePublicKey } from '../../src/subjects/index.js'
import { json, lattice } from '../helpers/cli.js'
import { newActorId, newProviderId } from '../helpers/ids.js'
import { useTestLattice } from '../helpers/test-lattice.js'

type ErrorJson = {
  error: { code: string; message: string; hint?: string; exitCode: number; details?: Record<string, unknown> }
}

const t = useTestLattice({ jetstream: true })
const withState = () => t.env({ LATTICE_STATE_CREDS: t.l.appCredsFile })

describe('errors name the flag, command and environment involved', () => {
  it('fault --drop 500 names --drop, not --weight', async () => {
    const r = await lattice(['fault', 'actor', newActorId(), '--drop', '500', '--json'], t.env())
    expect(r.code).toBe(3)
    const e = json<ErrorJson>(r).error
    expect(e).toMatchObject({ code: 'INVALID_WEIGHT', message: 'Invalid --drop: 500 is outside 0..100.' })
    expect(e.hint).toContain('--drop')
    expect(`${e.message} ${e.hint}`).not.toContain('--weight')
    const shift = json<ErrorJson>(
      await lattice(['shift', 'actor', newActorId(), '--to', 'v2', '--weight', 'x', '--json'], t.env()),
    ).error
    expect(shift.message).toBe('Invalid --weight: "x" is not a whole number.')
  })

  it('swap blue blue: FROM and TO are the same, exit 3, nothing contacted', async () => {
    const file = join(t.l.dir, 'same.yaml')
    writeFileSync(file, `environments:\n  blue:\n    actors: { ${newActorId()}: "1" }\nlive: blue\n`)
    // Nothing listens on this port: an attempt to connect would fail with CONNECTION_FAILED.
    const r = await lattice(['swap', 'blue', 'blue', '-f', file, '--json'], {
      ...t.env(),
      NATS_URL: 'nats://127.0.0.1:1',
    })
    expect(r.code).toBe(3)
    const e = json<ErrorJson>(r).error
    expect(e.code).toBe('INVALID_SWAP')
    expect(e.message).toContain('FROM and TO are the same environment ("blue")')
    expect(e.message).not.toContain('not what is live')
  })

  it('shifting a faulted entity: `lattice fault clear ID` when lattice fault set it, the spec when the spec did, both ways without the state', async () => {
    const byCommand = newProviderId()
    const f = await lattice(['fault', 'provider', byCommand, '--link', 'db', '--drop', '10', '--force'], withState())
    expect(f.code, f.stderr).toBe(0)
    const shifted = json<ErrorJson>(
      await lattice(
        ['shift', 'provider', byCommand, '--link', 'db', '--to', 'v2', '--weight', '10', '--force', '--json'],
        withState(),
      ),
    ).error
    expect(shifted.code).toBe('INVALID_SHIFT')
    expect(shifted.hint).toBe(`Clear the fault first, then shift. Run \`lattice fault clear ${byCommand} --link db\`.`)

    const bySpec = newActorId()
    const file = join(t.l.dir, 'fault.yaml')
    writeFileSync(file, `faults:\n  - actor: ${bySpec}\n    drop: 20\n`)
    const applied = await lattice(['apply', '-f', file, '--force'], withState())
    expect(applied.code, applied.stderr).toBe(0)
    const fromSpec = json<ErrorJson>(
      await lattice(['shift', 'actor', bySpec, '--to', 'v2', '--weight', '10', '--force', '--json'], withState()),
    ).error
    expect(fromSpec.hint).toContain('the state has no record of it')
    expect(fromSpec.hint).toContain('remove it from the spec')
    expect(fromSpec.hint).not.toContain('lattice fault clear')

    const noState = json<ErrorJson>(
      await lattice(['shift', 'actor', bySpec, '--to', 'v2', '--weight', '10', '--force', '--json'], t.env()),
    ).error
    expect(noState.hint).toContain(`\`lattice fault clear ${bySpec}\``)
    expect(noState.hint).toContain('remove it from the spec')
  })
})

describe('plan --json', () => {
  it('reports no server answers, since a plan pushes nothing', async () => {
    const actor = newActorId()
    const file = join(t.l.dir, 'plan.yaml')
    writeFileSync(file, `splits:\n  - actor: ${actor}\n    weights: { "1": 50, "2": 50 }\n`)
    const changes = json<{ changes: unknown[]; pushed: boolean; servers: unknown[] }>(
      await lattice(['plan', '-f', file, '--json'], t.env()),
    )
    expect(changes.changes).toHaveLength(1)
    expect(changes).toMatchObject({ pushed: false, servers: [] })
    expect((await lattice(['apply', '-f', file, '--force'], t.env())).code).toBe(0)
    const none = json<{ changes: unknown[]; servers: unknown[] }>(
      await lattice(['plan', '-f', file, '--json'], t.env()),
    )
    expect(none).toMatchObject({ changes: [], servers: [] })
    // A push still reports every server's answer.
    const shifted = json<{ servers: { server: string; ok: boolean }[] }>(
      await lattice(['shift', 'actor', actor, '--to', '2', '--weight', '60', '--force', '--json'], t.env()),
    )
    expect(shifted.servers).toEqual([expect.objectContaining({ server: 'n1', ok: true })])
  })
})

describe('rollback after swap', () => {
  const blueGreen = (web: string, api: string) => `# keep this comment
environments:
  blue:
    actors: { ${web}: "1.0.0", ${api}: "1.0.0" }
  green:
    actors: { ${web}: "1.1.0", ${api}: "1.1.0" }
live: blue   # who gets the traffic
`

  it('rewrites live: to the environment the rollback made live, so plan proposes nothing', async () => {
    const [web, api] = [newActorId(), newActorId()]
    const file = join(t.l.dir, 'rollback.yaml')
    writeFileSync(file, blueGreen(web, api))
    expect((await lattice(['apply', '-f', file, '--force'], withState())).code).toBe(0)
    const swapped = await lattice(['swap', 'blue', 'green', '-f', file, '--force'], withState())
    expect(swapped.code, swapped.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('live: green   # who gets the traffic')

    const back = await lattice(['rollback', '-f', file, '--force'], withState())
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain(`${file}: live: blue (was green; the rollback made blue live again).`)
    expect(readFileSync(file, 'utf8')).toBe(blueGreen(web, api))
    const plan = json<{ changes: unknown[] }>(await lattice(['plan', '-f', file, '--json'], withState()))
    expect(plan.changes).toEqual([])
  })

  it('with --no-write, warns that live: no longer names what is live, and how to fix it', async () => {
    const [web, api] = [newActorId(), newActorId()]
    const file = join(t.l.dir, 'rollback-no-write.yaml')
    writeFileSync(file, blueGreen(web, api))
    expect((await lattice(['apply', '-f', file, '--force'], withState())).code).toBe(0)
    expect((await lattice(['swap', 'blue', 'green', '-f', file, '--force'], withState())).code).toBe(0)
    const back = await lattice(['rollback', '-f', file, '--force', '--no-write'], withState())
    expect(back.code, back.stderr).toBe(0)
    expect(back.stderr).toContain(
      `${file} says live: green, but after this rollback blue is live; \`lattice plan\` would route green back. Set live: blue in ${file}.`,
    )
    expect(readFileSync(file, 'utf8')).toContain('live: green')
  })
})

describe('the system account', () => {
  it('is refused as --account, even with --force, also by history and rollback', async () => {
    const r = await lattice(
      ['shift', 'actor', newActorId(), '--to', 'v2', '--from', 'v1', '--weight', '10', '--force', '--json'],
      { ...t.env(), LATTICE_ACCOUNT: t.l.sysAccount },
    )
    expect(r.code).toBe(3)
    const e = json<ErrorJson>(r).error
    expect(e.code).toBe('SYSTEM_ACCOUNT')
    expect(e.message).toContain(`Account ${t.l.sysAccount} is the system account (server n1 says so)`)
    const status = json<ErrorJson>(await lattice(['status', '--json', '--account', t.l.sysAccount], t.env())).error
    expect(status.code).toBe('SYSTEM_ACCOUNT')
    // history and rollback read only the state, which has nothing for it: they say why, not "no revisions"/"no revision 1".
    expect(
      (await lattice(['shift', 'actor', newActorId(), '--to', 'v1', '--weight', '100', '--force'], withState())).code,
    ).toBe(0)
    for (const args of [['history'], ['rollback', '--to', '1', '--force'], ['rollback', '--force']]) {
      const r2 = await lattice([...args, '--json'], { ...withState(), LATTICE_ACCOUNT: t.l.sysAccount })
      expect(r2.code, `${args.join(' ')}: ${r2.stdout}`).toBe(3)
      expect(json<ErrorJson>(r2).error.code).toBe('SYSTEM_ACCOUNT')
    }
  })
})

describe('ACCOUNT_NOT_FOUND', () => {
  const cluster = useTestLattice({ nodes: 2 })

  it('comes back once every server has said it has no JWT for the account', async () => {
    const unknown = encodePublicKey('account', randomBytes(32))
    const r = await lattice(['status', '--json'], cluster.env({ LATTICE_ACCOUNT: unknown }))
    expect(r.code).toBe(8)
    const e = json<ErrorJson>(r).error
    expect(e.code).toBe('ACCOUNT_NOT_FOUND')
    // Both servers answered "not mine" (their claims lists; newer servers also answer the lookup
    // empty): the answer did not wait for silence.
    expect(e.details).toEqual({ serversWithoutJwt: 2 })
    expect(e.message).toBe(`The resolver has no JWT for account ${unknown} (all 2 servers said so).`)
  })
})
