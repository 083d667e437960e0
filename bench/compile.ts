/**
 * Benchmark 3: compile + sign an account JWT carrying N routes (10 .. 5,000), from the spec's
 * desired routes to the signed JWT. Target: linear, 5,000 in under 150 ms; report bytes per
 * route and how many routes fit in 1 MB (nats-server's default max_payload).
 */
import { createOperator } from 'nkeys.js'
import { withRouteChanges } from '../src/account/account.js'
import { sign } from '../src/account/jwt.js'
import type { RouteChange } from '../src/plan/routes.js'
import { newActorId } from '../test/helpers/ids.js'
import { RUNS, type Section, median, ms } from './common.js'

const SIZES = [10, 100, 1000, 5000]
const MB = 1024 * 1024

export async function benchCompile(): Promise<Section> {
  const signer = createOperator()
  const base = { iss: '', sub: 'ACCOUNT', name: 'APP', nats: { type: 'account', version: 2, limits: { conn: -1 } } }
  const rows: string[][] = []
  const perSize: Record<number, number> = {}
  let perRoute = 0
  for (const n of SIZES) {
    const changes: RouteChange[] = Array.from({ length: n }, () => ({
      entity: { kind: 'actor', id: newActorId() },
      weights: { '1.0.0': 90, '1.1.0': 10 },
    }))
    const once = () => {
      const t = performance.now()
      const jwt = sign(withRouteChanges(base, 'default', changes), signer, 1_800_000_000)
      return { t: performance.now() - t, bytes: jwt.length }
    }
    once() // warm-up
    const runs = Array.from({ length: RUNS }, once)
    perSize[n] = median(runs.map((r) => r.t))
    const bytes = runs[0].bytes
    const empty = sign(base, signer, 1_800_000_000).length
    perRoute = (bytes - empty) / n
    rows.push([
      String(n),
      ms(perSize[n]),
      `${((perSize[n] / n) * 1000).toFixed(1)} µs`,
      String(bytes),
      perRoute.toFixed(0),
      String(Math.floor((MB - empty) / perRoute)),
    ])
  }
  const growth = perSize[5000] / perSize[1000]
  return {
    title: 'Compile and sign',
    method: `Routes of two versions each, compiled into the mappings and signed (ed25519); median of ${RUNS} runs after a warm-up, in process.`,
    headers: ['routes', 'median', 'per route', 'JWT bytes', 'bytes per route', 'routes in 1 MB'],
    rows,
    checks: [
      { label: `5,000 routes in under 150 ms (${ms(perSize[5000])})`, pass: perSize[5000] < 150 },
      { label: `linear: 5,000 routes cost at most 7.5x 1,000 (${growth.toFixed(1)}x)`, pass: growth <= 7.5 },
    ],
  }
}
