/**
 * lattice's Command (src/cli/direct/command.ts) has only what it implements: a member of oclif's
 * Command it lacks does not compile (`npm run typecheck` fails on an unused @ts-expect-error), so
 * it cannot fail at run time instead.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
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

/** Every .ts file under `dir`. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )

describe('flags', () => {
  // oclif's help and version flags act through oclif's own Command, which the direct runtime does
  // not run (it answers --help itself): one would type-check and then do nothing.
  it('no command defines a help or version flag through oclif', () => {
    const uses = ['commands', 'src/cli']
      .flatMap(sources)
      .filter((f) => /Flags\.(help|version)\(/.test(readFileSync(f, 'utf8')))
    expect(uses).toEqual([])
  })
})
