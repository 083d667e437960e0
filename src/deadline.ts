/**
 * One deadline per command (--timeout, LATTICE_TIMEOUT). The code under way names its step
 * (`deadline.step = 'pushing the account JWT'`), so that when time runs out the error says what
 * was being waited for. A one-shot command is bounded as a whole; a command that runs long by
 * design (a rollout, watch, fault --for, verify's window) bounds each phase instead: connecting,
 * and each change it makes.
 */
import { LatticeError } from './errors.js'
import { formatDuration, parseDuration } from './plan/duration.js'

export const DEFAULT_TIMEOUT = '30s'

export type DeadlineMode = 'whole' | 'per-phase'

/** The connections stayed up and no answer came. */
const SILENT_HINT =
  'The connection stayed up but no answer came: a server that accepts connections but does not answer (overloaded, paused, half-up) looks like this. Check the servers, or allow more time with --timeout (LATTICE_TIMEOUT).'
const LOST_HINT =
  'The server went away (stopped, crashed, or the network in between): check that it runs (`lattice status --servers` once it is back), then run the command again.'

export class Deadline {
  /** What is under way now, for the error ("connecting to NATS at ..."). */
  step = 'starting'
  /** How to go on when time runs out during this step (default: check the servers, or more time). */
  hint?: string
  private endMs: number
  /** What the connections saw go wrong (lost, not regained), by connection or server: said when time runs out. */
  private readonly seen = new Map<unknown, string>()

  /** `ms` undefined: no deadline. */
  constructor(
    readonly ms: number | undefined,
    readonly mode: DeadlineMode = 'whole',
  ) {
    this.endMs = ms === undefined ? Infinity : Date.now() + ms
  }

  static none(): Deadline {
    return new Deadline(undefined)
  }

  /** Milliseconds left (Infinity without a deadline; 0 once passed). */
  remainingMs(): number {
    return Math.max(0, this.endMs - Date.now())
  }

  /** Name the step under way (and how to go on if time runs out in it). */
  at(step: string, hint?: string): void {
    // LATTICE_TRACE=1: each step with a timestamp on stderr, to see where a slow command waits.
    if (process.env.LATTICE_TRACE)
      process.stderr.write(`[${process.pid} ${new Date().toISOString().slice(11, 23)}] ${step}\n`)
    this.step = step
    this.hint = hint
  }

  /** A connection's trouble (`fact` undefined: it is fine again). */
  observe(connection: unknown, fact: string | undefined): void {
    if (fact === undefined) this.seen.delete(connection)
    else this.seen.set(connection, fact)
  }

  /** The error for running out of time in the current step, saying what was observed. */
  expired(cause?: string): LatticeError {
    const observed = [...new Set(this.seen.values())]
    const why = [cause, ...observed].filter(Boolean).join('; ')
    return new LatticeError(
      'DEADLINE',
      `Gave up after ${formatDuration(this.ms ?? 0)} (--timeout) while ${this.step}${why ? `: ${why}` : ': no answer came'}.`,
      {
        hint: this.hint ?? (observed.length > 0 ? LOST_HINT : SILENT_HINT),
        details: {
          step: this.step,
          timeoutMs: this.ms,
          observed: observed.length > 0 ? 'connection lost' : 'no answer',
        },
      },
    )
  }

  /**
   * Run `work` within the deadline: when time runs out first, throw DEADLINE naming the step
   * under way. The abandoned work is left to the caller's clean-up (closing its connections).
   */
  async within<T>(work: () => Promise<T>): Promise<T> {
    if (this.endMs === Infinity) return work()
    let timer: NodeJS.Timeout | undefined
    const running = work()
    running.catch(() => undefined) // its late failure, after we gave up, is not news
    try {
      return await Promise.race([
        running,
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(this.expired()), this.remainingMs()))),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * One phase of a command: in per-phase mode, a fresh deadline for `work`; in whole mode, the
   * command's one deadline already bounds it.
   */
  async phase<T>(step: string, work: () => Promise<T>): Promise<T> {
    this.at(step)
    if (this.mode === 'whole' || this.ms === undefined) return work()
    this.endMs = Date.now() + this.ms
    return this.within(work)
  }
}

/** The --timeout flag's value: a duration, or 0 / "none" for no deadline. */
export function parseTimeout(text: string | undefined): number | undefined {
  const t = (text ?? DEFAULT_TIMEOUT).trim()
  if (t === '0' || t.toLowerCase() === 'none') return undefined
  return parseDuration(t, '--timeout')
}
