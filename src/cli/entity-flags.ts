/** How the commands that name an entity by its ID alone (rollout status|abort|promote, fault clear) tell its kind. */
import { Flags } from '@oclif/core'
import { checkEntity, entityFromId } from '../ops/entity.js'
import { DEFAULT_LINK, type EntityRef } from '../subjects/index.js'

export const ENTITY_ID_DESCRIPTION =
  'Actor (M...), provider (V...) or wasmCloud component ID (any other name, e.g. hello); with --service, a service name.'

export const entityFlags = {
  link: Flags.string({ summary: 'Link name, for a provider.', default: DEFAULT_LINK }),
  service: Flags.boolean({ summary: 'ID is the name of a NATS service (`shift service`, `rollout service`).' }),
}

/** The entity ID names: a service with --service, else as its form says (entityFromId). */
export function entityOf(id: string, flags: { link: string; service: boolean }): EntityRef {
  return flags.service ? checkEntity({ kind: 'service', id }) : entityFromId(id, flags.link)
}
