/** Colour for people at a terminal only: never when stdout is not a TTY, with NO_COLOR, or with --json. */

export interface Paint {
  ok: (s: string) => string
  bad: (s: string) => string
  warn: (s: string) => string
}

const wrap = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[39m`
export const PLAIN: Paint = { ok: (s) => s, bad: (s) => s, warn: (s) => s }
export const COLOUR: Paint = { ok: wrap(32), bad: wrap(31), warn: wrap(33) }

export function colourFor(
  json: boolean,
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Paint {
  const on = !json && Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb'
  return on ? COLOUR : PLAIN
}
