/**
 * What a rollout refuses before its first step, judged against the weights live now (the
 * stable weights, which an abort restores): a fault injected, a `from` that serves nothing, a
 * `to` that cannot reach the top step, and (unless --force) a first step that would take
 * traffic away from `to`.
 */
import { serviceCatalogue } from '../ops/service-catalogue.js'
import { LatticeError } from '../errors.js'
import type { ChangeOptions } from '../ops/change.js'
import { loadLiveAccount } from '../ops/live-account.js'
import type { Session } from '../ops/session.js'
import { serviceEntities } from '../ops/service-entities.js'
import type { RolloutPlan } from './plan/rollout-plan.js'
import { routesFromMappings } from '../plan/routes.js'
import { type Weights, describeWeights, sameWeights } from '../plan/weights.js'
import { entityLabel, ownerKey } from '../subjects/index.js'

/**
 * A service's rollout: judged from its instances' stats (it needs --app-creds), its endpoints
 * checked as its first step would route them (a new version lacking one is refused here).
 */
export async function servicePlan(session: Session, plan: RolloutPlan): Promise<RolloutPlan> {
  if (plan.probe)
    throw new LatticeError(
      'INVALID_ROLLOUT',
      "A service's rollout has no probe gate: its versions are judged from their own stats.",
      {
        hint: 'Leave out --probe; --gate-cmd, --webhook and --prometheus work as for the other kinds.',
      },
    )
  const first = plan.steps.find((s): s is number => s !== 'pause') ?? 0
  const entities = await serviceEntities(session, plan.entity.id, { from: plan.from, to: plan.to, weight: first })
  return { ...plan, endpoints: entities.flatMap((e) => (e.endpoint === undefined ? [] : [e.endpoint])) }
}

/** The highest weight the plan gives `to`. */
export const topStep = (plan: RolloutPlan) => Math.max(...plan.steps.filter((x): x is number => x !== 'pause'))

/** The live weights of the entity (null: no mapping), once the plan is known to run from them; `backwards` when --force let a first step below the live weight through. */
export async function stableWeights(
  session: Session,
  plan: RolloutPlan,
  change: ChangeOptions,
): Promise<{ stable: Weights | null; backwards?: LatticeError }> {
  const label = entityLabel(plan.entity)
  // A service's routes are its endpoints': they move together, so they must agree.
  const routes = routesFromMappings(
    (await loadLiveAccount(session)).claims.nats.mappings,
    session.lattice,
    await serviceCatalogue(session),
  ).filter((r) => ownerKey(r.entity) === ownerKey(plan.entity))
  const before = routes[0]
  const stable: Weights | null = before && Object.keys(before.weights).length ? before.weights : null
  const refuse = (message: string, hint: string) => new LatticeError('INVALID_ROLLOUT', message, { hint })
  const apart = routes.find((r) => !sameWeights(r.weights, before.weights) || r.drop !== before.drop)
  if (apart)
    throw refuse(
      `The endpoints of ${label} are routed differently (${entityLabel(before.entity)}: ${describeWeights(before.weights)}; ${entityLabel(apart.entity)}: ${describeWeights(apart.weights)}).`,
      `Bring them together first, e.g. \`lattice shift service ${plan.entity.id} --to ${plan.from} --weight 100\`.`,
    )
  if (before?.drop)
    throw refuse(
      `${label} has a fault injected (${before.drop}% dropped).`,
      'Clear it first with `lattice fault clear`.',
    )
  if (stable && !(stable[plan.from] > 0))
    throw refuse(
      `${label} gives ${plan.from} no traffic now (live: ${describeWeights(stable)}).`,
      'Roll out from the version that serves the traffic now.',
    )
  const room = stable ? (stable[plan.from] ?? 0) + (stable[plan.to] ?? 0) : 100
  const top = topStep(plan)
  if (top > room)
    throw refuse(
      `${plan.to} cannot reach ${top}%: other versions hold ${100 - room}% (live: ${describeWeights(stable as Weights)}).`,
      `Keep steps at or below ${room}, or move the other versions first.`,
    )
  const backwards = startsBelowLive(plan, stable)
  if (backwards && !change.force) throw backwards
  return { stable, ...(backwards ? { backwards } : {}) }
}

/**
 * A first step below the weight `to` has now would take traffic away from it before giving it
 * back: refused (unless --force), saying where to start instead.
 */
export function startsBelowLive(plan: RolloutPlan, stable: Weights | null): LatticeError | undefined {
  const now = stable?.[plan.to] ?? 0
  const numbered = plan.steps.filter((s): s is number => s !== 'pause')
  if (numbered[0] >= now) return undefined
  const above = numbered.filter((s) => s > now)
  const start =
    above.length > 0
      ? `Start from it: steps above ${now}, e.g. --steps ${above.join(',')}`
      : now < 100
        ? `Every step is below it: e.g. --steps 100`
        : `${plan.to} already has all the traffic`
  return new LatticeError(
    'INVALID_ROLLOUT',
    `${plan.to} has ${now}% now (live: ${describeWeights(stable as Weights)}): the first step, ${numbered[0]}%, would take traffic away from it. Nothing was changed.`,
    {
      hint: `${start}; or pass --force to go down to ${numbered[0]}% first (an abort puts back ${describeWeights(stable as Weights)}).`,
      details: { live: stable, firstStep: numbered[0] },
    },
  )
}
