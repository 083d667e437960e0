#!/usr/bin/env node
/**
 * A complete host on lattice's host-core: serves one version of one actor, reconnects forever,
 * logs every connection change to stderr, drains on SIGINT/SIGTERM, and exits non-zero only if
 * its connection is lost for good. Copy it and replace the handler.
 *
 *   NATS_URL=nats://127.0.0.1:4222 HOST_CREDS=./host.creds ACTOR_ID=$(lattice dev id actor) ACTOR_VERSION=v2 node host.mjs
 *
 * Environment:
 *   NATS_URL          server(s), comma-separated (default nats://127.0.0.1:4222)
 *   HOST_CREDS        creds of an application-account user: a path, or the contents themselves
 *                     (optional; `lattice dev env` and `lattice init` give one). Not NATS_CREDS:
 *                     that is the system user lattice pushes with, and a host there gets no call.
 *   LATTICE           lattice name (default "default")
 *   HOST_ID           this host's ID (default: random)
 *   ACTOR_ID          the actor's public key (required; starts with M; `lattice dev id actor` makes one)
 *   ACTOR_VERSION     the version this host runs (default v1)
 *   INSTANCES         instances of it (default 2; they share the actor's queue group)
 *   HANDLER_DELAY_MS  pretend work per call (default 0)
 *
 * stdout gets one JSON line when ready and one with the call counts when stopped; logs go to stderr.
 */
import { Host, HostError, stderrLogger } from 'lattice-shift/host-core'

const env = process.env
const actorId = env.ACTOR_ID
if (!actorId) {
  console.error('host: set ACTOR_ID to the actor public key (M...; `lattice dev id actor` makes one)')
  process.exit(2)
}
const version = env.ACTOR_VERSION ?? 'v1'
const delayMs = Number(env.HANDLER_DELAY_MS ?? 0)

let host
let healthy = true
try {
  host = await Host.start({
    servers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(','),
    // A path or the contents: host-core tells them apart and never logs either.
    ...(env.HOST_CREDS ? { creds: env.HOST_CREDS } : {}),
    lattice: env.LATTICE ?? 'default',
    ...(env.HOST_ID ? { hostId: env.HOST_ID } : {}),
    // host-core's defaults already reconnect forever (1-2 s apart); anything here is passed to nats.js.
    connectionOptions: { name: `example-host ${env.HOST_ID ?? ''}`.trim() },
    // The default logger, named; plug in your own ({ info, warn, error } taking (message, fields)).
    logger: stderrLogger(`host[${env.HOST_ID ?? 'example'}]`),
    // Every connection change, e.g. for metrics or a health endpoint.
    onConnectionEvent: (e) => {
      if (e.type === 'reconnect') healthy = true
      if (e.type === 'disconnect' || e.type === 'closed') healthy = false
    },
  })
} catch (e) {
  // HostError codes: BAD_CREDS (path missing / not creds), CONNECT_FAILED, SYSTEM_ACCOUNT (a system user), INVALID_REQUEST.
  console.error(`host: cannot start: ${e instanceof HostError ? `${e.message} [${e.code}]` : e}`)
  process.exit(1)
}

await host.startActor({
  id: actorId,
  version,
  count: Number(env.INSTANCES ?? 2),
  handler: async (req, ctx) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs))
    return JSON.stringify({
      version: ctx.version,
      hostId: ctx.hostId,
      instance: ctx.instance,
      versioned: ctx.versioned,
    })
  },
})
console.log(JSON.stringify({ event: 'ready', hostId: host.hostId, actorId, version }))

// Stop on a signal: every call already delivered is answered, then the connection drains.
let stopping = false
const stop = async (signal) => {
  if (stopping) return
  stopping = true
  const connected = healthy
  await host.close()
  console.log(JSON.stringify({ event: 'stopped', signal, connected, ...host.stats() }))
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))

// host-core has logged why; exit non-zero so a supervisor (systemd, Kubernetes) restarts the host.
const closed = await host.closed
if (!closed.expected) {
  console.log(JSON.stringify({ event: 'lost', reason: closed.reason, ...host.stats() }))
  process.exit(1)
}
