/** Ctrl-C once: the work cleans up. Ctrl-C again: exit 130 at once, saying what to check. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/errors.js'

const INTERRUPT = new URL('../../dist/src/cli/interrupt.js', import.meta.url).href

/** A process whose clean-up after the first signal takes 20 s. */
const SCRIPT = `
import { untilInterrupted } from ${JSON.stringify(INTERRUPT)}
await untilInterrupted(async (interrupted) => {
  console.log('running')
  while (!interrupted()) await new Promise((r) => setTimeout(r, 20))
  console.log('cleaning up')
  await new Promise((r) => setTimeout(r, 20_000))
}, 'Check the thing with \`lattice status\`.')
console.log('clean exit')
`

describe('a second interrupt', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s twice: the first starts the clean-up, the second exits 130 without waiting',
    async (signal) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d) => (out += d.toString()))
      child.stderr.on('data', (d) => (err += d.toString()))
      const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
        child.once('exit', (code) => resolve({ code, at: Date.now() })),
      )
      const until = async (re: RegExp) => {
        const deadline = Date.now() + 10_000
        while (!re.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        expect(out).toMatch(re)
      }
      await until(/running/)
      child.kill(signal)
      await until(/cleaning up/)
      await new Promise((r) => setTimeout(r, 200))
      expect(child.exitCode).toBeNull() // still cleaning up
      const sent = Date.now()
      child.kill(signal)
      const { code, at } = await exited
      expect(code).toBe(ExitCode.INTERRUPTED)
      expect(at - sent).toBeLessThan(5_000)
      expect(err).toBe(
        '\nInterrupted again: exiting without waiting for the clean-up.\n  Check the thing with `lattice status`.\n',
      )
      expect(out).not.toMatch(/clean exit/)
    },
  )
})
