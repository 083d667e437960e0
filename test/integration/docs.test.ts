/** The command reference in docs/ is generated from the code, and the check catches a stale copy. */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SCRIPT = fileURLToPath(new URL('../../scripts/check-command-docs.js', import.meta.url))
const DOCS = fileURLToPath(new URL('../../docs/commands.md', import.meta.url))

function check(file?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT], { env: { ...process.env, ...(file ? { LATTICE_COMMAND_DOCS: file } : {}) } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }),
    )
  })
}

describe('docs/commands.md', () => {
  it('matches the commands; a copy where a flag changed without regenerating fails the check', async () => {
    const ok = await check()
    expect(ok.code, ok.out).toBe(0)
    const stale = join(mkdtempSync(join(tmpdir(), 'lattice-docs-test-')), 'commands.md')
    writeFileSync(stale, readFileSync(DOCS, 'utf8').replace('--min-acks', '--min-ack'))
    const bad = await check(stale)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/is stale: the commands changed\. Run `npm run docs:commands`/)
  }, 60_000)
})
