/**
 * lattice's Command (src/cli/direct/command.ts) has only what it implements: a member of oclif's
 * Command it lacks does not compile (`npm run typecheck` fails on an unused @ts-expect-error), so
 * it cannot fail at run time instead.
 */
import { describe, expect, it } from 'vitest'
import { LatticeCommand } from '../../src/cli/base.js'

class UsesOclifOnly extends LatticeCommand {
  async run(): Promise<unknown> {
    // @ts-expect-error oclif's warn: lattice's commands warn with warnAll or logToStderr
    this.warn('x')
    // @ts-expect-error oclif's exit: lattice's commands set process.exitCode or throw a LatticeError
    this.exit(1)
    // @ts-expect-error oclif's Config: lattice's has bin, name, version, topicSeparator and root
    return this.config.configDir
  }
}

describe("lattice's Command", () => {
  it('has none of the oclif members the type check refuses', () => {
    const proto = UsesOclifOnly.prototype as unknown as Record<string, unknown>
    expect([proto.warn, proto.exit, proto.error]).toEqual([undefined, undefined, undefined])
    expect(typeof UsesOclifOnly.run).toBe('function') // oclif's entry to a command class
  })
})
