/**
 * The Command every lattice command runs on, on every platform and however it is entered
 * (issue #31): oclif's Command as lattice uses it, without oclif's runtime (issue #19: evaluating
 * oclif, its config and its plugins cost more than the start-up target allows). Each member does
 * what oclif 4's does (lib/command.js): parse with oclif's own parser, --json and
 * LATTICE_CONTENT_TYPE, log, logToStderr, logJson, catch. It is lattice's base class in the type
 * check too (src/cli/base.ts), so a member of oclif's it lacks (this.warn, this.exit,
 * this.config.configDir) does not compile. The static `run` is oclif's entry to a command class:
 * oclif's manifest finds the commands by it, and oclif would run one through it.
 */
import { format, inspect } from 'node:util'
import type { Interfaces } from '@oclif/core'
import { boolean } from '@oclif/core/flags'
import { parse as oclifParse } from '@oclif/core/parser'

// oclif's Command swallows EPIPE on stdout (`lattice status | head`).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err?.code === 'EPIPE') return
  throw err
})

/** What lattice's commands may read of oclif's Config (oclif's own Config has all of it). */
export type DirectConfig = { bin: string; name: string; version: string; topicSeparator: string; root: string }

// oclif's FlagOutput / ArgOutput (not exported from its interfaces).
export type ParsedOutput = { [name: string]: any }

/** oclif's ux.stdout and ux.stderr, for a string. */
function write(to: (text: string) => void, text: string, args: unknown[]): void {
  to(text ? format(text, ...args) : format(...args))
}

// oclif's aggregateFlags: --json first, then the base flags, then the command's.
const json = boolean({ description: 'Format output as json.', helpGroup: 'GLOBAL' })

export abstract class Command {
  static id: string
  static summary?: string
  static description?: string
  static examples?: Array<string | { description: string; command: string }>
  static args: Interfaces.ArgInput = {}
  static flags?: Interfaces.FlagInput
  static baseFlags?: Interfaces.FlagInput
  static strict = true
  static enableJsonFlag = false

  /** oclif's Command.run: `config` is oclif's when oclif calls it, bin/run.js's otherwise. */
  static async run(
    this: new (argv: string[], config: DirectConfig) => Command,
    argv: string[],
    config: DirectConfig,
  ): Promise<unknown> {
    return new this(argv, config)._run()
  }

  id: string
  parsed = false

  constructor(
    public argv: string[],
    public config: DirectConfig,
  ) {
    this.id = this.ctor.id
  }

  abstract run(): Promise<unknown>

  protected get ctor(): typeof Command {
    return this.constructor as typeof Command
  }

  /** oclif's Command._run. */
  protected async _run(): Promise<unknown> {
    let err: unknown
    let result: unknown
    try {
      delete process.env[`${this.config.bin.toUpperCase()}_REDIRECTED`]
      await this.init()
      result = await this.run()
    } catch (error) {
      err = error
      await this.catch(error as Error)
    } finally {
      await this.finally(err)
    }
    if (result && this.jsonEnabled()) this.logJson(this.toSuccessJson(result))
    if (!this.parsed && ['development', 'test'].includes(process.env.NODE_ENV ?? '')) {
      process.emitWarning(`Command ${this.id} did not parse its arguments. Did you forget to call 'this.parse'?`, {
        code: 'UnparsedCommand',
      })
    }
    return result
  }

  protected async init(): Promise<void> {}

  protected async finally(_err: unknown): Promise<void> {}

  protected async catch(err: Error & { exitCode?: number }): Promise<unknown> {
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

  /** oclif's logJson without a theme (lattice reads none): pretty JSON. */
  protected logJson(json: unknown): void {
    write(console.log, JSON.stringify(typeof json === 'string' ? JSON.parse(json) : json, undefined, 2) ?? '', [])
  }

  protected toSuccessJson(result: unknown): unknown {
    return result
  }

  protected toErrorJson(err: unknown): unknown {
    return err instanceof Error ? { error: { ...err, message: err.message, name: err.name } } : { error: err }
  }

  /** oclif's Command.parse; its errors (oclif's parser's) reach catch() as oclif's do. */
  protected async parse<F extends ParsedOutput, B extends ParsedOutput, A extends ParsedOutput>(
    options: Interfaces.Input<F, B, A> = this.ctor as unknown as Interfaces.Input<F, B, A>,
    argv: string[] = this.argv,
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const { enableJsonFlag, baseFlags } = options as { enableJsonFlag?: boolean; baseFlags?: Interfaces.FlagInput }
    const flags = { ...(enableJsonFlag ? { json } : {}), ...baseFlags, ...options.flags }
    this.argv = [...argv]
    const results = await oclifParse(argv, { context: this, ...options, flags } as never)
    this.parsed = true
    return results as Interfaces.ParserOutput<F, B, A>
  }
}
