/**
 * A doc sample checked against a real run: a Transcript records commands run as a user would
 * (the real CLI over dist/) with what they printed, and expectSample compares it with the doc's
 * block, both normalised. With LATTICE_UPDATE_SAMPLES=1 a block that differs is rewritten with
 * the real output instead (`npm run docs:samples`).
 */
import { expect } from 'vitest'
import { type CliResult, lattice } from '../helpers/cli.js'
import { findSample, writeSample } from './doc-blocks.js'
import { normalise } from './normalise.js'

export const UPDATE = process.env.LATTICE_UPDATE_SAMPLES === '1'

export function expectSample(id: string, actual: string): void {
  const block = findSample(id)
  if (normalise(actual) === normalise(block.body)) return
  if (UPDATE) return writeSample(id, actual)
  expect(
    normalise(actual),
    `${block.file}: the sample "${id}" differs from a real run (LATTICE_UPDATE_SAMPLES=1 or \`npm run docs:samples\` rewrites it). Real output:\n${actual}\n`,
  ).toBe(normalise(block.body))
}

/** Split a command line as sh would for the quoting the docs use: '...', "...", \ line continuations. */
export function words(line: string): string[] {
  const out: string[] = []
  let cur: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1)
      if (end < 0) throw new Error(`unclosed ${c} in: ${line}`)
      cur = (cur ?? '') + line.slice(i + 1, end)
      i = end
    } else if (c === '\\' && line[i + 1] === '\n') {
      i++
    } else if (/\s/.test(c)) {
      if (cur !== undefined) out.push(cur)
      cur = undefined
    } else {
      cur = (cur ?? '') + c
    }
  }
  if (cur !== undefined) out.push(cur)
  return out
}

export interface RunOptions {
  /** Shown after the command as `# comment`. */
  comment?: string
  /** The exit code the scenario needs (default 0; 'any': not checked); anything else fails the test with the output. */
  code?: number | 'any'
  /** Show `(exit N)` after the output, as the docs do for a failure. */
  showExit?: boolean
  /** Extra environment for this run only. */
  env?: Record<string, string>
  /** Leave this run out of the transcript (set-up the doc does not show). */
  hidden?: boolean
  /** The command line shown instead (e.g. the npm script that runs this command). */
  shown?: string
}

export class Transcript {
  private lines: string[] = []
  constructor(
    private env: () => Record<string, string>,
    private readonly cwd?: string,
    /** Text of the real output replaced for the reader, e.g. the test's temp dir by a plain path. */
    private readonly display: [string, string][] = [],
  ) {}

  /** Run `lattice ARGS...` (the line as a user types it) and record it with its output. */
  async run(line: string, opts: RunOptions = {}): Promise<CliResult> {
    const [bin, ...args] = words(line)
    if (bin !== 'lattice') throw new Error(`a sample runs lattice, not ${bin}`)
    // The server version under test reaches the commands that start their own (dev up, demo).
    const server = process.env.LATTICE_NATS_SERVER ? { LATTICE_NATS_SERVER: process.env.LATTICE_NATS_SERVER } : {}
    const r = await lattice(args, { ...server, ...this.env(), ...opts.env }, this.cwd)
    if (opts.code !== 'any') expect(r.code, `${line}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(opts.code ?? 0)
    if (opts.hidden) return r
    this.lines.push(`$ ${opts.shown ?? line}${opts.comment ? `  # ${opts.comment}` : ''}`)
    for (const out of [r.stdout, r.stderr]) if (out.trim()) this.lines.push(this.show(out.replace(/\n+$/, '')))
    if (opts.showExit) this.lines.push(`(exit ${r.code})`)
    return r
  }

  /** Later commands run with these variables too (what an `eval "$(...)"` of the doc sets). */
  export(vars: Record<string, string>): void {
    const before = this.env
    this.env = () => ({ ...before(), ...vars })
  }

  /** A line shown as typed without being run by the test (e.g. `$ eval "$(lattice dev env)"`, done by the test itself). */
  note(line: string): void {
    this.lines.push(line)
  }

  /** A blank line between groups of commands. */
  gap(): void {
    this.lines.push('')
  }

  text(): string {
    return this.lines.join('\n')
  }

  /** Start a new block (the next sample) with the same settings. */
  reset(): void {
    this.lines = []
  }

  private show(text: string): string {
    return this.display.reduce((t, [from, to]) => t.split(from).join(to), text)
  }
}
