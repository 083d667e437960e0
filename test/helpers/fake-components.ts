/**
 * The components (wRPC) integration files share this: a test lattice (JetStream) for the file with
 * two fake wasmCloud hosts, running component IDs `hello` and `hello-v2`, each echoing every call on
 * its wRPC subject as a wasmCloud host does (one subject per exported function, queue group
 * `{lattice}.{id}`), and a third connection to call them as a linked component would.
 */
import { type NatsConnection, ErrorCode, type NatsError } from 'nats'
import { beforeAll } from 'vitest'
import { liveJwt } from './live.js'
import { rawFields } from './raw-json.js'
import { type LatticeFixture, useTestLattice } from './test-lattice.js'

const FN = 'wrpc.0.0.1.test:demo/echo@0.1.0.call'

export interface FakeComponents {
  t: LatticeFixture
  /** conns[0] and conns[1] serve hello and hello-v2; conns[2] calls. */
  conns: NatsConnection[]
  /** Calls each fake host served, by component ID. */
  served: Record<string, number>
  /** `count` calls to component `id`, 50 at a time: how many were answered and how many got "no responders". */
  callMany(nc: NatsConnection, id: string, count: number): Promise<{ ok: number; noResponders: number }>
  resetServed(): void
  /** The claims lattice does not own, as raw JSON text: everything but the mappings, iat and jti. */
  otherFields(): Promise<[string, string][]>
}

export function useFakeComponents(): FakeComponents {
  const t = useTestLattice({ jetstream: true })
  const conns: NatsConnection[] = []
  const served: Record<string, number> = {}

  /** A fake wasmCloud host running component `id`: echoes every call on its wRPC subject. */
  async function fakeHost(nc: NatsConnection, id: string): Promise<void> {
    served[id] = 0
    nc.subscribe(`default.${id}.${FN}`, {
      queue: `default.${id}`,
      callback: (_err, msg) => {
        served[id]++
        msg.respond(msg.data)
      },
    })
    await nc.flush()
  }

  async function callMany(nc: NatsConnection, id: string, count: number) {
    const out = { ok: 0, noResponders: 0 }
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
          try {
            const reply = await nc.request(`default.${id}.${FN}`, new TextEncoder().encode(`call ${i + j}`), {
              timeout: 10_000,
            })
            if (new TextDecoder().decode(reply.data) === `call ${i + j}`) out.ok++
          } catch (e) {
            if ((e as NatsError).code === ErrorCode.NoResponders) out.noResponders++
            else throw e
          }
        }),
      )
    }
    return out
  }

  function resetServed(): void {
    for (const k of Object.keys(served)) served[k] = 0
  }

  async function otherFields(): Promise<[string, string][]> {
    const payload = Buffer.from((await liveJwt(t.l)).split('.')[1], 'base64url').toString('utf8')
    const top = rawFields(payload).filter(([k]) => k !== 'iat' && k !== 'jti')
    const nats = rawFields(top.find(([k]) => k === 'nats')?.[1] ?? '{}').filter(([k]) => k !== 'mappings')
    return [...top.filter(([k]) => k !== 'nats'), ...nats.map(([k, v]): [string, string] => [`nats.${k}`, v])]
  }

  beforeAll(async () => {
    conns.push(...(await Promise.all([0, 1, 2].map(() => t.connect()))))
    await fakeHost(conns[0], 'hello')
    await fakeHost(conns[1], 'hello-v2')
  })
  return { t, conns, served, callMany, resetServed, otherFields }
}
