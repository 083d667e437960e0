/**
 * How a host reports what happens to it. Any object with info/warn/error (and optionally debug)
 * taking (message, fields) plugs in: `console`, or a thin wrapper around pino, winston, etc.
 */

export type LogFields = Record<string, string | number | boolean | undefined>

export interface HostLogger {
  debug?(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/**
 * The default logger: one line per event on stderr,
 * `2026-01-02T03:04:05.678Z WARN host-core[host-a] disconnected from nats://... server=...`.
 */
export function stderrLogger(name = 'host-core', minLevel: LogLevel = 'info'): HostLogger {
  const line = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (RANK[level] < RANK[minLevel]) return
    const extra = Object.entries(fields ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)
      .join('')
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${name} ${message}${extra}\n`)
  }
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

/** A host author's logger that throws must not take the host down (it is called from callbacks). */
export function guarded(logger: HostLogger): HostLogger {
  const wrap = (fn: ((m: string, f?: LogFields) => void) | undefined) => (m: string, f?: LogFields) => {
    try {
      fn?.call(logger, m, f)
    } catch {
      // nowhere left to report it
    }
  }
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) }
}

/** A logger that drops everything (`logger: false`). */
export const silentLogger: HostLogger = { info: () => undefined, warn: () => undefined, error: () => undefined }

/** Server URLs can carry a user, password or token (`nats://user:pass@host`): never log them. */
export function redact(text: string): string {
  return text.replace(/(\/\/)[^/@\s]+@/g, '$1***@')
}
