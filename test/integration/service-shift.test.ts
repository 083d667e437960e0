/**
 * `lattice shift service`: real services written with nats.js's services framework and nats.go's
 * micro (when Go is installed), two versions each, on a real server in operator mode with the
 * state; the split is measured from the answers of real requests to the callers' subjects.
 */
import type { NatsConnection } from 'nats'
import { beforeAll, expect, it } from 'vitest'
import { json, lattice } from '../helpers/cli.js'
import { goMissing, goService, jsService } from '../helpers/services.js'
import { steadyCalls } from '../helpers/steady-calls.js'
import { useTestLattice } from '../helpers/test-lattice.js'

const t = useTestLattice({ appCreds: true, state: true })
const GO = goMissing()
const CALLS = 2000

let caller: NatsConnection
const old: NatsConnection[] = []

beforeAll(async () => {
  // calc 1.0.0 (two instances) serves calc.add and calc.echo; 1.1.0 the same endpoints under its own group; 1.2.0 lacks echo.
  for (let i = 0; i < 2; i++)
    old.push(await jsService(t, { name: 'calc', version: '1.0.0', group: 'calc', endpoints: ['add', 'echo'] }))
  await jsService(t, { name: 'calc', version: '1.1.0', group: 'v1_1_0.calc', endpoints: ['add', 'echo'] })
  await jsService(t, { name: 'calc', version: '1.2.0', group: 'v1_2_0.calc', endpoints: ['add'] })
  if (!GO) {
    await goService(t, { name: 'gocalc', version: '1.0.0', subject: 'gocalc.add' })
    await goService(t, { name: 'gocalc', version: '1.1.0', subject: 'v1_1_0.gocalc.add' })
  }
  caller = await t.connect()
}, 120_000)

/** Answers (each service answers with its version) to CALLS requests on `subject`, counted per version. */
async function answers(subject: string, calls = CALLS): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < calls; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, calls - i) }, () => caller.request(subject, '', { timeout: 10_000 })),
    )
    for (const m of batch) counts[m.string()] = (counts[m.string()] ?? 0) + 1
  }
  return counts
}

/** 30% of CALLS within 4.5 standard deviations (binomial: 2000 calls, sd 20.5). */
const nearThirtyPercent = (n: number | undefined) => Math.abs((n ?? 0) - 0.3 * CALLS) < 92

async function liveMappings() {
  const s = json<{ routes: unknown[] }>(await lattice(['status', '--json'], t.env()))
  return s
}

it('an endpoint missing in the new version is refused, naming it; nothing is pushed', async () => {
  const before = await liveMappings()
  const r = await lattice(['shift', 'service', 'calc', '--from', '1.0.0', '--to', '1.2.0', '--weight', '30'], t.env())
  expect(r.code, r.stderr).toBe(8)
  expect(r.stderr).toContain('[MISSING_ENDPOINTS]')
  expect(r.stderr).toContain('Service calc 1.2.0 has no endpoint echo (called on calc.echo)')
  expect(r.stderr).not.toContain('add (called')
  expect((await liveMappings()).routes).toEqual(before.routes)
})

it('shifts 30% of every endpoint of calc to 1.1.0: measured on the callers subjects, and shown by status', async () => {
  const r = await lattice(
    ['shift', 'service', 'calc', '--from', '1.0.0', '--to', '1.1.0', '--weight', '30', '--json'],
    t.env(),
  )
  expect(r.code, r.stderr).toBe(0)
  const result = json<{ changes: { subject: string; after: Record<string, number> }[] }>(r)
  expect(result.changes.map((c) => [c.subject, c.after])).toEqual([
    ['calc.add', { '1.0.0': 70, '1.1.0': 30 }],
    ['calc.echo', { '1.0.0': 70, '1.1.0': 30 }],
  ])
  for (const subject of ['calc.add', 'calc.echo']) {
    const counts = await answers(subject)
    expect(counts['1.0.0'] + counts['1.1.0']).toBe(CALLS)
    expect(nearThirtyPercent(counts['1.1.0']), JSON.stringify(counts)).toBe(true)
  }
  // verify counts the calls of real traffic from the versions' own stats, and finds the 70/30 split.
  const traffic = steadyCalls(caller, 'calc.add')
  const verified = await lattice(['verify', 'service', 'calc', '--window', '3s', '--json'], t.env())
  // watch shows each endpoint's observed split next to its weights.
  const watched = await lattice(['watch', 'calc', '--service', '--count', '2', '--json'], t.env())
  await traffic.stop()
  expect(watched.code, watched.stderr).toBe(0)
  const frame = JSON.parse(watched.stdout.trim().split('\n').at(-1) ?? '') as {
    entities: { entity: string; versions: { version: string; weight: number; observed?: number }[] }[]
  }
  const add = frame.entities.find((e) => e.entity === 'service calc (endpoint add)')
  expect(add?.versions.map((v) => [v.version, v.weight])).toEqual([
    ['1.0.0', 70],
    ['1.1.0', 30],
  ])
  expect(add?.versions[1].observed, JSON.stringify(frame)).toBeGreaterThan(15)
  expect(add?.versions[1].observed).toBeLessThan(45)
  expect(verified.code, verified.stderr).toBe(0)
  expect(json(verified)).toMatchObject({
    entity: 'service calc',
    method: 'chi-square',
    observedBy: 'stats',
    match: true,
  })
  const status = await lattice(['status'], t.env())
  expect(status.code, status.stderr).toBe(0)
  expect(status.stdout).toMatch(/calc +service +add +1\.1\.0 +30% +1 +v1_1_0\.calc\.add\n/)
  expect(status.stdout).toContain('v1_1_0.calc.add')
})

it('remembers the callers subjects: after a promotion and the old version gone, the next shift needs no --from', async () => {
  expect((await lattice(['shift', 'service', 'calc', '--to', '1.1.0', '--weight', '100'], t.env())).code).toBe(0)
  for (const nc of old.splice(0)) await nc.close()
  expect(await answers('calc.add', 200)).toEqual({ '1.1.0': 200 })
  await jsService(t, { name: 'calc', version: '1.3.0', group: 'v1_3_0.calc', endpoints: ['add', 'echo'] })
  const r = await lattice(['shift', 'service', 'calc', '--to', '1.3.0', '--weight', '30', '--json'], t.env())
  expect(r.code, r.stderr).toBe(0)
  expect(json<{ changes: { subject: string; after: Record<string, number> }[] }>(r).changes[0]).toMatchObject({
    subject: 'calc.add',
    after: { '1.1.0': 70, '1.3.0': 30 },
  })
  const counts = await answers('calc.add')
  expect(nearThirtyPercent(counts['1.3.0']), JSON.stringify(counts)).toBe(true)
  // The history reads the route back, and a rollback restores the promotion.
  const history = await lattice(['history'], t.env())
  expect(history.stdout).toContain('service calc (endpoint add)')
  const back = await lattice(['rollback'], t.env())
  expect(back.code, back.stderr).toBe(0)
  expect(await answers('calc.add', 200)).toEqual({ '1.1.0': 200 })
})

it('a fault drops a share of every endpoint, and fault clear puts the weights back', async () => {
  const r = await lattice(['fault', 'service', 'calc', '--drop', '50', '--json'], t.env())
  expect(r.code, r.stderr).toBe(0)
  expect(json<{ changes: { subject: string; drop: { after: number } }[] }>(r).changes).toMatchObject([
    { subject: 'calc.add', drop: { after: 50 } },
    { subject: 'calc.echo', drop: { after: 50 } },
  ])
  let dropped = 0
  for (let i = 0; i < 400; i++) await caller.request('calc.echo', '', { timeout: 5000 }).catch(() => dropped++)
  expect(Math.abs(dropped - 200), `${dropped} of 400 dropped`).toBeLessThan(60)
  const clear = await lattice(['fault', 'clear', 'calc', '--service'], t.env())
  expect(clear.code, clear.stderr).toBe(0)
  expect(await answers('calc.echo', 200)).toEqual({ '1.1.0': 200 })
})

it.skipIf(GO)(
  `a Go service on nats.go's micro: 30% to its new version, measured${GO ? ` (skipped: ${GO})` : ''}`,
  async () => {
    const r = await lattice(
      ['shift', 'service', 'gocalc', '--from', '1.0.0', '--to', '1.1.0', '--weight', '30'],
      t.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    const counts = await answers('gocalc.add')
    expect(counts['1.0.0'] + counts['1.1.0']).toBe(CALLS)
    expect(nearThirtyPercent(counts['1.1.0']), JSON.stringify(counts)).toBe(true)
  },
)

it('an instance that answers $SRV.INFO late (a busy machine) is heard by a second, patient look', async () => {
  const nc = await t.connect()
  const info = JSON.stringify({
    type: 'io.nats.micro.v1.info_response',
    name: 'calc',
    id: 'LATEANSWER00000000000',
    version: '2.0.0',
    endpoints: ['add', 'echo'].map((e) => ({ name: e, subject: `v2_0_0.calc.${e}`, queue_group: 'q' })),
  })
  const sub = nc.subscribe('$SRV.INFO.calc', {
    callback: (_err, m) => void setTimeout(() => m.respond(info), 400),
  })
  await nc.flush()
  try {
    const r = await lattice(
      ['shift', 'service', 'calc', '--to', '2.0.0', '--weight', '10', '--dry-run', '--json'],
      t.env(),
    )
    expect(r.code, r.stderr).toBe(0)
    expect(json<{ mappings: Record<string, { subject: string }[]> }>(r).mappings['calc.add']).toContainEqual(
      expect.objectContaining({ subject: 'v2_0_0.calc.add', weight: 10 }),
    )
  } finally {
    sub.unsubscribe()
  }
})
