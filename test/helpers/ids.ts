/** Valid entity IDs for tests. */
import { randomBytes } from 'node:crypto'
import { encodePublicKey } from '../../src/subjects/index.js'

export const newActorId = () => encodePublicKey('module', randomBytes(32))
export const newProviderId = () => encodePublicKey('service', randomBytes(32))
