/** `lattice plan`, `apply`, `swap` and `env subjects`: the spec made live, in one JWT push. */
import { serviceCatalogue } from './service-catalogue.js'
import { randomBytes } from 'node:crypto'
import { existsSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { LatticeError } from '../errors.js'
import { redact } from '../redact.js'
import { type Route, type RouteChange, routeIndex, routesFromMappings } from '../plan/routes.js'
import { sameWeights } from '../plan/weights.js'
import { desiredRoutes, routedEnvironments } from '../spec/compile.js'
import { requireEnvironment } from '../spec/environments.js'
import { withLive } from '../spec/live.js'
import { type Spec, readSpec } from '../spec/parse.js'
import { entityKey, entityLabel } from '../subjects/index.js'
import { type ChangeOptions, type ChangeResult, changeRoutes } from './change.js'
import { loadLiveAccount } from './live-account.js'
import { withServiceEndpoints } from './service-entities.js'
import type { Session, TargetOptions } from './session.js'

/** The spec file commands read when -f is not given. */
export const DEFAULT_SPEC = 'lattice.yaml'

/** A swap names two different environments; checked before anything is contacted. */
export function checkSwap(from: string, to: string): void {
  if (from === to) {
    throw new LatticeError(
      'INVALID_SWAP',
      `FROM and TO are the same environment ("${from}"): a swap makes another environment live.`,
      {
        hint: `Name the live environment first, then the one to make live, e.g. \`lattice swap ${from} <other>\`; \`lattice apply\` re-applies the live one.`,
      },
    )
  }
}

/** Flags win; then the file; then defaults. */
export function specTarget(flags: TargetOptions, spec: Spec): TargetOptions {
  return { ...flags, account: flags.account ?? spec.account, lattice: flags.lattice ?? spec.lattice }
}

/** Make live exactly what the spec says for every entity it names (and, with prune, nothing else). */
export async function applySpec(
  session: Session,
  spec: Spec,
  opts: ChangeOptions & { prune: boolean },
): Promise<ChangeResult> {
  const desired = await withServiceEndpoints(session, desiredRoutes(spec))
  return changeRoutes(
    session,
    (routes) => {
      if (!opts.prune) return desired
      const named = new Set(desired.map((d) => entityKey(d.entity)))
      // Routes with destinations lattice did not write are never pruned (they are someone else's).
      const pruned: RouteChange[] = [...routes.values()]
        .filter((r) => !named.has(entityKey(r.entity)) && !r.foreign)
        .map((r) => ({ entity: r.entity, weights: null }))
      return [...desired, ...pruned]
    },
    // The spec may be older than a completed rollout: applying it would undo that (LIVE_NEWER).
    { ...opts, spec },
  )
}

/**
 * Route every entity of `to` to its version, in one push. The new file text is made (and
 * checked) before anything is pushed. When the servers already route `to` (a swap whose push
 * went out but whose file write did not), nothing is pushed and the file is brought in line.
 */
export async function swapEnvironments(
  session: Session,
  spec: Spec,
  from: string,
  to: string,
  opts: ChangeOptions,
): Promise<ChangeResult> {
  checkSwap(from, to)
  for (const env of opts.force ? [to] : [to, from]) requireEnvironment(spec, env)
  withLive(spec, to) // throws before any push if the file cannot be rewritten safely
  const inSwap = new Set([...(spec.environments[from] ?? []), ...spec.environments[to]].map((p) => entityKey(p.entity)))
  const desired = await withServiceEndpoints(
    session,
    desiredRoutes(spec, to).filter((c) => inSwap.has(entityKey(c.entity))),
  )
  const wasLive = await withServiceEndpoints(
    session,
    desiredRoutes(spec, from).filter((c) =>
      (spec.environments[from] ?? []).some((p) => entityKey(p.entity) === entityKey(c.entity)),
    ),
  )
  return changeRoutes(
    session,
    (routes) => {
      const matches = (c: RouteChange) => {
        const r = routes.get(entityKey(c.entity))
        return sameWeights(r?.weights, c.weights ?? undefined) && (r?.drop ?? 0) === (c.drop ?? 0)
      }
      if (opts.force || (spec.live === from && desired.every(matches))) return desired
      if (spec.live !== from) {
        throw new LatticeError('SWAP_NOT_LIVE', `${spec.file} says live: ${spec.live ?? '(nothing)'}, not ${from}.`, {
          hint: `Swap from ${spec.live ?? 'the live environment'}, or pass --force.`,
        })
      }
      const notLive = wasLive.filter((c) => !matches(c))
      if (notLive.length > 0) {
        throw new LatticeError(
          'SWAP_NOT_LIVE',
          `${from} is not what is live: ${notLive.map((c) => `${entityLabel(c.entity)} is not routed as ${from} says`).join('; ')}.`,
          {
            hint: 'Run `lattice plan` to see the live state, or pass --force to swap anyway.',
          },
        )
      }
      return desired
    },
    opts,
  )
}

/** What a rollback did to the spec file's `live:`. */
export interface SpecLive {
  file: string
  /** `live:` in the file before the rollback. */
  was: string
  /** The environment the rolled-back routes make live, when exactly one is. */
  now?: string
  /** `live:` was rewritten to `now`. */
  wrote: boolean
}

/**
 * After a rollback (or a rollout) to `routes`: does the file's `live:` still name what is live?
 * When it does not and exactly one other environment is live, that one is the new `live:`
 * (written unless `write` is false); otherwise the caller warns (`now` undefined).
 */
export function liveAfter(spec: Spec, routes: Map<string, Route>, write: boolean): SpecLive | undefined {
  if (spec.live === undefined) return undefined
  const routed = routedEnvironments(spec, routes)
  if (routed.includes(spec.live)) return undefined
  const now = routed.length === 1 ? routed[0] : undefined
  if (now !== undefined && write) writeLive(spec, now)
  return { file: spec.file, was: spec.live, ...(now !== undefined ? { now } : {}), wrote: now !== undefined && write }
}

/** After the rollouts of a spec file: its `live:` brought in line with what they made live (as a rollback does). */
export async function liveAfterRollouts(session: Session, spec: Spec): Promise<SpecLive | undefined> {
  const live = await loadLiveAccount(session)
  return liveAfter(
    spec,
    routeIndex(routesFromMappings(live.claims.nats.mappings, session.lattice, await serviceCatalogue(session))),
    true,
  )
}

/**
 * The spec `file` names (it must be readable and valid), else lattice.yaml here when it exists;
 * a lattice.yaml nobody named that cannot be read only earns a warning.
 */
export function specAtHand(file: string | undefined): { spec?: Spec; warning?: string } {
  if (file !== undefined) return { spec: readSpec(file) }
  if (!existsSync(DEFAULT_SPEC)) return {}
  try {
    return { spec: readSpec(DEFAULT_SPEC) }
  } catch (e) {
    if (!(e instanceof LatticeError)) throw e
    return {
      warning: `${DEFAULT_SPEC} here cannot be used (${e.code}), so its live: is not checked; pass -f FILE to name the spec.`,
    }
  }
}

/** What to tell the user about `live:` after a rollback: a line when it was (or would be) rewritten, a warning when it is left wrong. */
export function specLiveNote(live: SpecLive, dryRun: boolean): { line?: string; warning?: string } {
  if (live.now !== undefined && live.wrote)
    return { line: `${live.file}: live: ${live.now} (was ${live.was}; the rollback made ${live.now} live again).` }
  if (live.now !== undefined && dryRun)
    return { line: `${live.file}: live: ${live.was} would become live: ${live.now}.` }
  const fix =
    live.now !== undefined
      ? `Set live: ${live.now} in ${live.file}`
      : `Set live: in ${live.file} to the environment you want live and run \`lattice apply\`, or \`lattice swap\``
  const what = live.now !== undefined ? `${live.now} is` : 'no single environment of the file is'
  return {
    warning: `${live.file} says live: ${live.was}, but after this rollback ${what} live; \`lattice plan\` would route ${live.was} back. ${fix}.`,
  }
}

/** Rewrite `live:` in the spec file in place (through symlinks, keeping its mode), comments and layout kept. */
export function writeLive(spec: Spec, env: string): void {
  try {
    const text = withLive(spec, env)
    const real = realpathSync(spec.file)
    const tmp = `${real}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    writeFileSync(tmp, redact(text), { mode: statSync(real).mode & 0o777 })
    renameSync(tmp, real)
  } catch (e) {
    if (e instanceof LatticeError) throw e
    throw new LatticeError(
      'SPEC_WRITE_FAILED',
      `The swap is live, but ${spec.file} could not be rewritten: ${(e as Error).message}.`,
      {
        hint: `Set live: ${env} in the file by hand.`,
      },
    )
  }
}
