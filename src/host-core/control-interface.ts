/**
 * The control interface over NATS, JSON in and out. Every request gets an answer:
 * `{ "accepted": true, ... }` or `{ "accepted": false, "error": "...", "code": "..." }`.
 */
import type { Msg, NatsConnection, Subscription } from 'nats'
import {
  type EntityKind,
  type EntityRef,
  controlCommandSubject,
  inventorySubject,
  pingHostsSubject,
} from '../subjects/index.js'
import { HostError } from './host-error.js'
import type { HostStats } from './instances.js'
import type { InventoryEntry } from './types.js'

/** What the control interface drives: the host (host.ts), which starts it with itself. */
export interface ControlledHost {
  readonly nc: NatsConnection
  readonly lattice: string
  readonly hostId: string
  readonly startedAt: number
  subscriptionFailed(subject: string, e: Error): void
  startFromControl(entity: EntityRef, version: string, count: number): Promise<InventoryEntry>
  scale(entity: EntityRef, count: number, version?: string): Promise<InventoryEntry>
  inventory(): InventoryEntry[]
  stats(): HostStats
}

interface CommandBody {
  kind?: EntityKind
  id?: string
  link?: string
  version?: string
  count?: number
}

const encoder = new TextEncoder()

export class ControlInterface {
  private constructor(private readonly subs: Subscription[]) {}

  static async start(host: ControlledHost): Promise<ControlInterface> {
    const { nc, lattice, hostId } = host
    const on = (
      subject: string,
      fn: (body: CommandBody) => Promise<Record<string, unknown>> | Record<string, unknown>,
      parse = true,
    ) =>
      nc.subscribe(subject, {
        callback: (err, msg) => (err ? host.subscriptionFailed(subject, err) : void answer(msg, fn, parse)),
      })
    const subs = [
      on(controlCommandSubject(lattice, hostId, 'start'), async (b) => {
        const entity = entityOf(b)
        if (typeof b.version !== 'string')
          throw new HostError('INVALID_REQUEST', '"version" is required to start an entity.')
        return { inventory: await host.startFromControl(entity, b.version, b.count ?? 1) }
      }),
      on(controlCommandSubject(lattice, hostId, 'stop'), async (b) => ({
        stopped: await host.scale(entityOf(b), 0, b.version),
      })),
      on(controlCommandSubject(lattice, hostId, 'scale'), async (b) => {
        if (typeof b.count !== 'number')
          throw new HostError('INVALID_REQUEST', '"count" is required to scale an entity.')
        return { inventory: await host.scale(entityOf(b), b.count, b.version) }
      }),
      on(
        inventorySubject(lattice, hostId),
        () => ({ hostId, lattice, entities: host.inventory(), stats: host.stats() }),
        false,
      ),
      on(
        pingHostsSubject(lattice),
        () => ({ hostId, lattice, uptimeMs: Date.now() - host.startedAt, entities: host.inventory().length }),
        false,
      ),
    ]
    await nc.flush()
    return new ControlInterface(subs)
  }

  async close(): Promise<void> {
    await Promise.all(this.subs.map((s) => s.drain().catch(() => undefined)))
  }
}

async function answer(
  msg: Msg,
  fn: (body: CommandBody) => Promise<Record<string, unknown>> | Record<string, unknown>,
  parse: boolean,
): Promise<void> {
  if (!msg.reply) return
  let reply: Record<string, unknown>
  try {
    const body = parse ? parseBody(msg.data) : {}
    reply = { accepted: true, ...(await fn(body)) }
  } catch (e) {
    const he = e instanceof HostError ? e : undefined
    reply = {
      accepted: false,
      error: e instanceof Error ? e.message : String(e),
      code: he?.code ?? 'INTERNAL',
      ...(he?.details ?? {}),
    }
  }
  try {
    msg.respond(encoder.encode(JSON.stringify(reply)))
  } catch {
    // The connection closed meanwhile: the host has already logged that.
  }
}

function parseBody(data: Uint8Array): CommandBody {
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder().decode(data))
  } catch (e) {
    throw new HostError('INVALID_REQUEST', `The request is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HostError('INVALID_REQUEST', 'The request must be a JSON object.')
  const b = body as Record<string, unknown>
  for (const f of ['kind', 'id', 'link', 'version'] as const) {
    if (b[f] !== undefined && typeof b[f] !== 'string')
      throw new HostError('INVALID_REQUEST', `"${f}" must be a string.`)
  }
  if (b.count !== undefined && typeof b.count !== 'number')
    throw new HostError('INVALID_REQUEST', '"count" must be a number.')
  if (b.kind !== undefined && b.kind !== 'actor' && b.kind !== 'provider')
    throw new HostError('INVALID_REQUEST', '"kind" must be "actor" or "provider".')
  return b as CommandBody
}

function entityOf(b: CommandBody): EntityRef {
  if (!b.id) throw new HostError('INVALID_REQUEST', '"id" is required.')
  const kind = b.kind ?? (b.id.startsWith('V') ? 'provider' : 'actor')
  return kind === 'provider' ? { kind, id: b.id, link: b.link ?? 'default' } : { kind, id: b.id }
}
