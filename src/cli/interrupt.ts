/** Turn SIGINT/SIGTERM into a flag the running work polls, for as long as `work` runs. */
export async function untilInterrupted<T>(work: (interrupted: () => boolean) => Promise<T>): Promise<T> {
  let interrupted = false
  const stop = () => (interrupted = true)
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    return await work(() => interrupted)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
