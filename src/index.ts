/** lattice as a library: the same operations the CLI runs. */
export * from './errors.js'
export * from './subjects/index.js'
export { shiftWeights, scaleWeights, type Weights } from './plan/weights.js'
export { routesFromMappings, type Route, type Mappings } from './plan/routes.js'
export { resolveTarget, withSession, type Session, type TargetOptions } from './ops/session.js'
export { shift, type ShiftInput } from './ops/shift.js'
export { status, type StatusResult } from './ops/status.js'
export type { ChangeResult } from './ops/change.js'
