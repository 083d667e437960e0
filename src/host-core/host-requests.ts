/**
 * The checks a host makes on what it is asked to run, and the runtime a stop or scale means.
 */
import {
  type EntityRef,
  entityIdProblem,
  entityKey,
  routeTokenProblem,
  tokenProblem,
  versionProblem,
  quoted,
} from '../subjects/index.js'
import { HostError } from './host-error.js'
import type { HostOptions } from './host-options.js'
import type { VersionRuntime } from './instances.js'

/** Refuse a lattice or host ID that is not one subject token, and both nc and connect options. */
export function checkHostIdentity(opts: HostOptions, hostId: string): void {
  for (const [what, value] of [
    ['lattice', opts.lattice ?? 'default'],
    ['hostId', hostId],
  ] as const) {
    const problem = what === 'lattice' ? routeTokenProblem(value) : tokenProblem(value)
    if (problem) throw new HostError('INVALID_REQUEST', `Invalid ${what} ${quoted(value)}: ${problem}.`)
  }
  if (opts.nc && (opts.servers !== undefined || opts.creds !== undefined || opts.connectionOptions !== undefined)) {
    throw new HostError(
      'INVALID_REQUEST',
      'Give Host.start either nc (a connection you manage) or servers/creds/connectionOptions (the host connects), not both.',
    )
  }
}

export function systemAccountError(hostId: string): HostError {
  return new HostError(
    'SYSTEM_ACCOUNT',
    `Host ${hostId} is connected as a user of the NATS system account: calls to actors and providers travel in the application account, so it would never receive one. Connect with a user of the application account (HOST_CREDS of \`lattice dev env\`, or host.creds of \`lattice init\`), not the system user lattice pushes with (NATS_CREDS).`,
  )
}

export function checkStartRequest(entity: EntityRef, version: string, count: number): void {
  // Components (wRPC) are served by wasmCloud hosts, not host-core.
  if (entity.kind === 'component')
    throw new HostError('INVALID_REQUEST', 'host-core runs actors and providers, not wRPC components.')
  const idProblem = entityIdProblem(entity.kind, entity.id)
  if (idProblem) throw new HostError('INVALID_REQUEST', `Invalid ${entity.kind} ID ${quoted(entity.id)}: ${idProblem}.`)
  const vProblem = typeof version === 'string' ? versionProblem(version) : 'it is missing'
  if (vProblem) throw new HostError('INVALID_REQUEST', `Invalid version ${quoted(version)}: ${vProblem}.`)
  if (entity.kind === 'provider') {
    const linkProblem = routeTokenProblem(entity.link ?? '')
    if (linkProblem)
      throw new HostError('INVALID_REQUEST', `Invalid link ${quoted(entity.link ?? '')}: ${linkProblem}.`)
  }
  if (!Number.isInteger(count) || count < 1)
    throw new HostError('INVALID_REQUEST', `count must be a whole number >= 1, not ${count}.`)
}

/** Refuse `more` instances beyond maxInstances (all entities and versions of this host together). */
export function checkRoom(hostId: string, runtimes: Iterable<VersionRuntime>, more: number, max: number): void {
  const running = [...runtimes].reduce((n, r) => n + r.count, 0)
  if (more > 0 && running + more > max) {
    throw new HostError(
      'TOO_MANY_INSTANCES',
      `Host ${hostId} runs ${running} instance${running === 1 ? '' : 's'}; ${more} more would pass its limit of ${max} (maxInstances).`,
      { running, requested: more, maxInstances: max },
    )
  }
}

/** The runtime a stop/scale means: the given version, or the only one running. */
export function pickRuntime(
  hostId: string,
  runtimes: Iterable<VersionRuntime>,
  entity: EntityRef,
  version?: string,
): VersionRuntime {
  const running = [...runtimes].filter((r) => entityKey(r.entity) === entityKey(entity))
  const label = entity.kind === 'provider' ? `provider ${entity.id} (link ${entity.link})` : `actor ${entity.id}`
  if (running.length === 0) throw new HostError('NOT_RUNNING', `No version of ${label} runs on host ${hostId}.`)
  if (version !== undefined) {
    const r = running.find((x) => x.version === version)
    if (!r)
      throw new HostError(
        'NOT_RUNNING',
        `Version ${version} of ${label} does not run on host ${hostId} (running: ${running.map((x) => x.version).join(', ')}).`,
        { versions: running.map((x) => x.version) },
      )
    return r
  }
  if (running.length > 1) {
    const versions = running.map((x) => x.version)
    throw new HostError(
      'AMBIGUOUS_VERSION',
      `Several versions of ${label} run on host ${hostId}: ${versions.join(', ')}. Say which one with a version.`,
      { versions },
    )
  }
  return running[0]
}

export function runtimeKey(entity: EntityRef, version: string): string {
  return `${entityKey(entity)}\u0000${version}`
}
