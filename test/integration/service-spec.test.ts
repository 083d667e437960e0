/**
 * Specs name NATS services (`service: NAME` in splits, faults and rollouts, `services:` in
 * environments): apply, plan and swap route each endpoint, once a shift has said which subjects
 * the callers call. Real nats.js services, real calls.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NatsConnection } from 'nats'
import { beforeAll, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { jsService } from '../helpers/services.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ appCreds: true, state: true })
const file = join(mkdtempSync(join(tmpdir(), 'lattice-service-spec-')), 'lattice.yaml')
let caller: NatsConnection

beforeAll(async () => {
  await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add', 'echo'] })
  caller = await t.connect()
  writeFileSync(
    file,
    'environments:\n  blue:\n    services: { calc: "1.0.0" }\n  green:\n    services: { calc: "1.1.0" }\nlive: blue\n',
  )
}, 60_000)

async function answers(subject: string, calls = 100): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < calls; i++) {
    const m = await caller.request(subject, '', { timeout: 5000 })
    counts[m.string()] = (counts[m.string()] ?? 0) + 1
  }
  return counts
}

it('a service lattice has never routed is refused by apply, saying how to route it once', async () => {
  const r = await lattice(['apply', '-f', file], t.env())
  expect(r.code).toBe(8)
  expect(r.stderr).toContain(
    'Error [NO_ROUTE]: lattice has not routed service calc yet, so it does not know which subjects its callers call.',
  )
  expect(r.stderr).toContain('lattice shift service calc --from <the version callers call now>')
})

it('once routed, apply and swap move every endpoint; plan then shows nothing to change', async () => {
  const shift = await lattice(
    ['shift', 'service', 'calc', '--from', '1.0.0', '--to', '1.1.0', '--weight', '10'],
    t.env(),
  )
  expect(shift.code, shift.stderr).toBe(0)
  const applied = await lattice(['apply', '-f', file, '--json'], t.env())
  expect(applied.code, applied.stderr).toBe(0)
  expect(json<{ changes: { subject: string; after: unknown }[] }>(applied).changes).toEqual([
    expect.objectContaining({ subject: 'calc.add', after: { '1.0.0': 100 } }),
    expect.objectContaining({ subject: 'calc.echo', after: { '1.0.0': 100 } }),
  ])
  const swapped = await lattice(['swap', 'blue', 'green', '-f', file], t.env())
  expect(swapped.code, swapped.stderr).toBe(0)
  expect(readFileSync(file, 'utf8')).toContain('live: green')
  expect(await answers('calc.add')).toEqual({ '1.1.0': 100 })
  expect(await answers('calc.echo')).toEqual({ '1.1.0': 100 })
  const plan = await lattice(['plan', '-f', file, '--json'], t.env())
  expect(plan.code, plan.stderr).toBe(0)
  expect(json<{ changes: unknown[] }>(plan).changes).toEqual([])
})

it('a split and a fault of a service in the spec', async () => {
  writeFileSync(
    file,
    'splits:\n  - service: calc\n    weights: { "1.0.0": 50, "1.1.0": 50 }\nfaults:\n  - service: calc\n    drop: 20\n',
  )
  const r = await lattice(['apply', '-f', file, '--json'], t.env())
  expect(r.code, r.stderr).toBe(0)
  expect(json<{ changes: { subject: string; after: unknown; drop?: { after: number } }[] }>(r).changes).toEqual([
    expect.objectContaining({
      subject: 'calc.add',
      after: { '1.0.0': 40, '1.1.0': 40 },
      drop: { before: 0, after: 20 },
    }),
    expect.objectContaining({
      subject: 'calc.echo',
      after: { '1.0.0': 40, '1.1.0': 40 },
      drop: { before: 0, after: 20 },
    }),
  ])
})

it('a spec naming a service wrongly is refused with the line', async () => {
  writeFileSync(file, 'splits:\n  - service: "calc.v2"\n    weights: { "1.0.0": 100 }\n')
  const r = await lattice(['plan', '-f', file], t.env())
  expect(r.code).toBe(3)
  expect(r.stderr).toMatch(/lattice\.yaml:2:\d+ .*"calc\.v2" is not a service name/)
})
