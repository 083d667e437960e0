import { ExitCode } from '../errors.js'

/**
 * Turn SIGINT/SIGTERM into a flag the running work polls, for as long as `work` runs. The work
 * then cleans up (a rollout puts the stable weights back, a fault is cleared); a second signal
 * means the user will not wait for that: exit at once (130), saying what may be left to check.
 */
export async function untilInterrupted<T>(
  work: (interrupted: () => boolean) => Promise<T>,
  ifForced?: string,
): Promise<T> {
  let interrupted = false
  const stop = () => {
    if (interrupted) {
      process.stderr.write(
        `\nInterrupted again: exiting without waiting for the clean-up.${ifForced ? `\n  ${ifForced}` : ''}\n`,
      )
      process.exit(ExitCode.INTERRUPTED)
    }
    interrupted = true
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    return await work(() => interrupted)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
