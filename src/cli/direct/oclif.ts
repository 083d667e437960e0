/**
 * What '@oclif/core' is to lattice's commands in the bundle (scripts/bundle-direct.js, as
 * dist/direct/vendor.oclif.cjs): oclif's own flag and argument builders, and lattice's Command
 * (command.ts). Types still come from '@oclif/core' when tsc checks.
 */
export { Command, type DirectConfig } from './command.js'
export * as Args from '@oclif/core/args'
export * as Flags from '@oclif/core/flags'
