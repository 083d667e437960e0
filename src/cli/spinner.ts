/**
 * A spinner on stderr for waits longer than a moment, for a person at a terminal only: nothing
 * when stderr is not a TTY, with --json, or with NO_COLOR / TERM=dumb. It appears after 300 ms
 * and erases itself, so fast commands never show it.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function spinnerEnabled(
  json: boolean,
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return !json && Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb' && !env.CI
}

export async function withSpinner<T>(
  enabled: boolean,
  text: string,
  work: () => Promise<T>,
  write: (s: string) => unknown = (s) => process.stderr.write(s),
): Promise<T> {
  if (!enabled) return work()
  let frame = 0
  let shown = false
  let timer: NodeJS.Timeout | undefined
  const delay = setTimeout(() => {
    shown = true
    timer = setInterval(() => write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}`), 80)
  }, 300)
  try {
    return await work()
  } finally {
    clearTimeout(delay)
    if (timer) clearInterval(timer)
    if (shown) write('\r\x1b[2K')
  }
}
