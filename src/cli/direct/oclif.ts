/**
 * What '@oclif/core' is to lattice's commands in the direct build (scripts/bundle-direct.js, as
 * dist/direct/vendor.oclif.cjs): oclif's own flag and argument builders, and the Command that runs
 * without oclif's runtime (command.ts). Types still come from '@oclif/core' when tsc checks.
 */
export { Command, type DirectConfig, OclifNeeded } from './command.js'
export * as Args from '@oclif/core/args'
export * as Flags from '@oclif/core/flags'
