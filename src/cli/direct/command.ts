/**
 * oclif's Command as lattice's commands use it, without oclif's runtime (issue #19: evaluating
 * oclif, its config and its plugins cost more than the start-up target allows). In the direct
 * build (dist/direct/, scripts/bundle-direct.js) this class stands in for '@oclif/core''s Command under
 * LatticeCommand; the oclif build keeps oclif's. Each member does what oclif 4's does
 * (lib/command.js), for what lattice uses: parse with oclif's own parser, --json and
 * LATTICE_CONTENT_TYPE, log, logToStderr, logJson, catch. Parsing that fails throws
 * OclifNeeded before the command has done anything, and bin/run.js runs the command again
 * through oclif, which words the error exactly as always.
 */
import { format, inspect } from 'node:util'
import { parse as oclifParse } from '@oclif/core/parser'
import { boolean } from '@oclif/core/flags'

// oclif's Command swallows EPIPE on stdout (`lattice status | head`).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err?.code === 'EPIPE') return
  throw err
})

/** What lattice's commands read of oclif's Config. */
export type DirectConfig = { bin: string; name: string; version: string; topicSeparator: string; root: string }

/** Thrown when only oclif can go on (its parser refused the command line). */
export class OclifNeeded extends Error {
  constructor(readonly reason: unknown) {
    super('oclif is needed for this command line')
  }
}

/** oclif's ux.stdout and ux.stderr, for a string. */
function write(to: (text: string) => void, text: string, args: unknown[]): void {
  to(text ? format(text, ...args) : format(...args))
}

type Flag = object
// oclif's aggregateFlags: --json first, then the base flags, then the command's.
const json = boolean({ description: 'Format output as json.', helpGroup: 'GLOBAL' })
type Options = { flags?: Record<string, Flag>; baseFlags?: Record<string, Flag>; enableJsonFlag?: boolean; args?: object; strict?: boolean; '--'?: boolean }

export abstract class Command {
  static id: string
  static summary?: string
  static description?: string
  static examples?: unknown
  static args: object = {}
  static flags?: Record<string, Flag>
  static baseFlags?: Record<string, Flag>
  static strict = true
  static enableJsonFlag = false

  id: string
  parsed = false

  constructor(
    public argv: string[],
    public config: DirectConfig,
  ) {
    this.id = this.ctor.id
  }

  abstract run(): Promise<unknown>

  get ctor(): typeof Command {
    return this.constructor as typeof Command
  }

  /** oclif's Command._run. */
  async _run(): Promise<unknown> {
    let err: unknown
    let result: unknown
    try {
      delete process.env[`${this.config.bin.toUpperCase()}_REDIRECTED`]
      await this.init()
      result = await this.run()
    } catch (error) {
      if (error instanceof OclifNeeded) throw error
      err = error
      await this.catch(error as Error)
    } finally {
      await this.finally(err)
    }
    if (result && this.jsonEnabled()) this.logJson(this.toSuccessJson(result))
    if (!this.parsed && ['development', 'test'].includes(process.env.NODE_ENV ?? '')) {
      process.emitWarning(`Command ${this.id} did not parse its arguments. Did you forget to call 'this.parse'?`, { code: 'UnparsedCommand' })
    }
    return result
  }

  async init(): Promise<void> {}

  async finally(_err: unknown): Promise<void> {}

  async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    process.exitCode = process.exitCode ?? err.exitCode ?? 1
    if (!this.jsonEnabled()) throw err
    this.logJson(this.toErrorJson(err))
    return undefined
  }

  jsonEnabled(): boolean {
    if (!this.ctor.enableJsonFlag) return false
    if (process.env[`${this.config.bin.toUpperCase()}_CONTENT_TYPE`]?.toLowerCase() === 'json') return true
    const passThroughIndex = this.argv.indexOf('--')
    const jsonIndex = this.argv.indexOf('--json')
    return jsonIndex !== -1 && (passThroughIndex === -1 || jsonIndex < passThroughIndex)
  }

  log(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) write(console.log, typeof message === 'string' ? message : inspect(message), args)
  }

  logToStderr(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) write(console.error, typeof message === 'string' ? message : inspect(message), args)
  }

  /** oclif's logJson with no theme (direct/run.ts leaves a user theme to oclif): pretty JSON. */
  logJson(json: unknown): void {
    write(console.log, JSON.stringify(typeof json === 'string' ? JSON.parse(json) : json, undefined, 2) ?? '', [])
  }

  toSuccessJson(result: unknown): unknown {
    return result
  }

  toErrorJson(err: unknown): unknown {
    return err instanceof Error ? { error: { ...err, message: err.message, name: err.name } } : { error: err }
  }

  async parse(options: Options = this.ctor as Options, argv: string[] = this.argv): Promise<any> {
    const flags = { ...(options.enableJsonFlag ? { json } : {}), ...options.baseFlags, ...options.flags }
    this.argv = [...argv]
    let results
    try {
      results = await oclifParse(argv, { context: this, ...options, flags } as never)
    } catch (error) {
      throw new OclifNeeded(error)
    }
    this.parsed = true
    return results
  }
}
