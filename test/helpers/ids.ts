/** Valid entity IDs for tests. */
import { newEntityId } from '../../src/subjects/index.js'

export const newActorId = () => newEntityId('actor')
export const newProviderId = () => newEntityId('provider')
