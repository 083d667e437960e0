/** Usage errors (exit 2, `USAGE`) in lattice's error style, for lattice's commands and the plugin's alike. */

/** oclif's parse error text without its preamble and "See more help with --help" (our hint names the command). */
export function usageMessage(message: string): string {
  return message
    .split('\n')
    .filter((line) => !/^(See more help with --help|The following errors? occurred:)$/.test(line.trim()))
    .map((line) => line.trim())
    .filter((line, i) => i > 0 || line !== '')
    .join('\n')
}

/** An oclif parse error (unknown flag, missing arg, bad option value): oclif's CLIParseError carries `parse`. */
export function isParseError(err: unknown): err is Error & { oclif?: { exit?: number } } {
  return (
    err instanceof Error && 'parse' in err && typeof (err as { oclif?: { exit?: unknown } }).oclif?.exit === 'number'
  )
}

/** The hint of a usage error of command `name` (as typed, e.g. "shift actor"). */
export const usageHint = (bin: string, name: string) =>
  `\`${bin} ${name} --help\` lists its arguments and flags, with examples.`
