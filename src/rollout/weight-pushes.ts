/**
 * What a rollout pushes (a step's weights, the way back to the stable ones), for the runner
 * (runner.ts) and for abort from any terminal (status-abort-promote.ts, emergency-abort.ts).
 */
import { LatticeError, isLatticeError } from '../errors.js'
import { type Weights, describeWeights } from '../plan/weights.js'
import type { RolloutPlan } from './plan/rollout-plan.js'
import type { RolloutRecord } from './records/rollout-store.js'
import { WITHOUT_STATE_FLAG } from '../state/without-state-words.js'
import { type EntityRef, entityKey, entityLabel } from '../subjects/index.js'
import { type ChangeOptions, type ChangeResult, changeRoutes } from '../ops/change.js'
import { rolloutCommand } from '../ops/rollout-conflicts.js'
import type { Session } from '../ops/session.js'
import { serviceEntities, stepEntities } from '../ops/service-entities.js'
import type { ServiceRouteRequest } from '../services/service-routes.js'

export const isStateDown = (e: unknown) => isLatticeError(e) && e.code === 'STATE_UNAVAILABLE'

/**
 * The runner could not restore the stable weights because the state is down: say exactly what
 * puts them back (an abort from this machine, which holds a copy of the record). Other errors pass.
 */
export function stateDownError(failed: unknown, plan: RolloutPlan, stable: Weights | null, first?: unknown): unknown {
  if (!isStateDown(failed)) return first ?? failed
  const e = plan.entity
  const command = `${rolloutCommand('abort', e)} ${WITHOUT_STATE_FLAG}`
  return new LatticeError(
    'STATE_UNAVAILABLE',
    `${(failed as Error).message.replace(/\.$/, '')}: the rollout of ${entityLabel(e)} stopped, and the stable weights (${stable ? describeWeights(stable) : 'no mapping'}) could not be restored.`,
    {
      hint: `Run \`${command}\` on this machine (it holds a copy of the rollout record) with the same connection flags: it pushes the stable weights without the state.`,
      details: { command, stable },
    },
  )
}

/**
 * One push of the entity's weights (its cluster-scoped weights kept); a service's, to each of its
 * endpoints (a step's `request`: as routed once lattice knows the new version, else read from its
 * instances; the way back: as routed). Part of the lattice not
 * following it (PARTLY_LIVE) is a warning of the step, not the end of the rollout: a server
 * away for maintenance would otherwise roll back every rollout. (A leaf that would run calls
 * twice is refused before the first push all the same: DOUBLE_EXECUTION.)
 */
export async function setWeights(
  session: Session,
  entity: EntityRef,
  change: ChangeOptions,
  weightsOf: (current: Weights | undefined) => Weights | null,
  request?: ServiceRouteRequest,
): Promise<ChangeResult> {
  const entities =
    entity.kind !== 'service'
      ? [entity]
      : request
        ? await stepEntities(session, entity.id, request)
        : await serviceEntities(session, entity.id)
  return changeRoutes(
    session,
    (routes) =>
      entities.map((e) => {
        const current = routes.get(entityKey(e))
        return {
          entity: e,
          weights: weightsOf(current && Object.keys(current.weights).length ? current.weights : undefined),
          ...(current?.clusters ? { clusters: current.clusters } : {}),
        }
      }),
    { partlyLive: 'warn', ...change, dryRun: false, rolloutStep: true },
  )
}

/** One push back to the weights from before the rollout (no readiness gate: they were live; drift accepted: this is the way back). */
export function restoreStable(
  session: Session,
  entity: EntityRef,
  stable: Weights | null,
  change: ChangeOptions,
): Promise<ChangeResult> {
  return setWeights(session, entity, { ...change, acceptDrift: true, force: true }, () => stable)
}

/** What `rollout abort` returns: the record, and with --without-state, whether the state was bypassed. */
export type AbortResult = RolloutRecord & { withoutState?: true; warnings?: string[] }
