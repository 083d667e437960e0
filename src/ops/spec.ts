/** `lattice plan`, `apply`, `swap` and `env subjects`: the spec made live, in one JWT push. */
import { renameSync, writeFileSync } from 'node:fs'
import { LatticeError } from '../errors.js'
import type { RouteChange } from '../plan/routes.js'
import { sameWeights } from '../plan/weights.js'
import { desiredRoutes } from '../spec/compile.js'
import { type Spec, withLive } from '../spec/parse.js'
import { type EntityKind, entityKey, entityLabel, versionedSubject } from '../subjects/index.js'
import { type ChangeResult, changeRoutes } from './change.js'
import type { Session, TargetOptions } from './session.js'

/** Flags win; then the file; then defaults. */
export function specTarget(flags: TargetOptions, spec: Spec): TargetOptions {
  return { ...flags, account: flags.account ?? spec.account, lattice: flags.lattice ?? spec.lattice }
}

/** Make live exactly what the spec says for every entity it names (and, with prune, nothing else). */
export async function applySpec(session: Session, spec: Spec, opts: { dryRun: boolean; prune: boolean }): Promise<ChangeResult> {
  const desired = desiredRoutes(spec)
  return changeRoutes(
    session,
    (routes) => {
      if (!opts.prune) return desired
      const named = new Set(desired.map((d) => entityKey(d.entity)))
      const pruned: RouteChange[] = [...routes.values()].filter((r) => !named.has(entityKey(r.entity))).map((r) => ({ entity: r.entity, weights: null }))
      return [...desired, ...pruned]
    },
    opts,
  )
}

/** Route every entity of `to` to its version, in one push. */
export async function swapEnvironments(session: Session, spec: Spec, from: string, to: string, opts: { force: boolean; dryRun: boolean }): Promise<ChangeResult> {
  if (!Object.hasOwn(spec.environments, to)) {
    throw new LatticeError('UNKNOWN_ENVIRONMENT', `"${to}" is not an environment of ${spec.file}.`, { hint: `Environments: ${Object.keys(spec.environments).join(', ') || '(none)'}.` })
  }
  if (!Object.hasOwn(spec.environments, from) && !opts.force) {
    throw new LatticeError('UNKNOWN_ENVIRONMENT', `"${from}" is not an environment of ${spec.file}.`, { hint: `Environments: ${Object.keys(spec.environments).join(', ') || '(none)'}.` })
  }
  if (spec.live !== from && !opts.force) {
    throw new LatticeError('SWAP_NOT_LIVE', `${spec.file} says live: ${spec.live ?? '(nothing)'}, not ${from}.`, { hint: `Swap from ${spec.live ?? 'the live environment'}, or pass --force.` })
  }
  const inSwap = new Set([...(spec.environments[from] ?? []), ...spec.environments[to]].map((p) => entityKey(p.entity)))
  const desired = desiredRoutes(spec, to).filter((c) => inSwap.has(entityKey(c.entity)))
  return changeRoutes(
    session,
    (routes) => {
      if (!opts.force) {
        const notLive = (spec.environments[from] ?? []).filter((p) => !sameWeights(routes.get(entityKey(p.entity))?.weights, { [p.version]: 100 }))
        if (notLive.length > 0) {
          throw new LatticeError('SWAP_NOT_LIVE', `${from} is not what is live: ${notLive.map((p) => `${entityLabel(p.entity)} is not routed 100% to ${p.version}`).join('; ')}.`, {
            hint: 'Run `lattice plan` to see the live state, or pass --force to swap anyway.',
          })
        }
      }
      return desired
    },
    opts,
  )
}

/** Rewrite `live:` in the spec file, keeping its comments and layout. */
export function writeLive(spec: Spec, env: string): void {
  const tmp = `${spec.file}.lattice-tmp`
  try {
    writeFileSync(tmp, withLive(spec, env))
    renameSync(tmp, spec.file)
  } catch (e) {
    throw new LatticeError('SPEC_WRITE_FAILED', `The swap is live, but ${spec.file} could not be rewritten: ${(e as Error).message}.`, {
      hint: `Set live: ${env} in the file by hand.`,
    })
  }
}

export interface EnvSubject {
  kind: EntityKind
  id: string
  link?: string
  version: string
  subject: string
}

/** The versioned subjects of an environment: where acceptance tests reach it directly. */
export function environmentSubjects(spec: Spec, env: string, lattice: string): EnvSubject[] {
  if (!Object.hasOwn(spec.environments, env)) {
    throw new LatticeError('UNKNOWN_ENVIRONMENT', `"${env}" is not an environment of ${spec.file}.`, { hint: `Environments: ${Object.keys(spec.environments).join(', ') || '(none)'}.` })
  }
  return spec.environments[env].map((p) => ({
    kind: p.entity.kind,
    id: p.entity.id,
    ...(p.entity.link ? { link: p.entity.link } : {}),
    version: p.version,
    subject: versionedSubject(lattice, p.entity, p.version),
  }))
}
