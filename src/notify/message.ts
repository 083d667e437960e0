/**
 * What a rollout notification is: one JSON object per rollout event, the same on the NATS
 * subject and in a --notify POST. `v` is the format's version (a new field is not a new v).
 */
import type { RolloutEvent } from '../rollout/rollout-event.js'
import type { RolloutPlan } from '../plan/rollout-plan.js'
import type { EntityKind } from '../subjects/index.js'

export interface RolloutNotification {
  v: 1
  lattice: string
  entity: { kind: EntityKind; id: string; link?: string }
  from: string
  to: string
  event: RolloutEvent
}

export function notificationOf(lattice: string, plan: RolloutPlan, event: RolloutEvent): RolloutNotification {
  const { kind, id, link } = plan.entity
  return { v: 1, lattice, entity: { kind, id, ...(link ? { link } : {}) }, from: plan.from, to: plan.to, event }
}

/** The subject a rollout event is published on: lattice.rollout.<lattice>.<event type>. */
export const rolloutSubject = (lattice: string, type: string) => `lattice.rollout.${lattice}.${type}`
