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
    execFile(
      process.execPath,
      [SCRIPT],
      { env: { ...process.env, ...(file ? { LATTICE_COMMAND_DOCS: file } : {}) } },
      (err, stdout, stderr) =>
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

describe('shell completion', () => {
  it('lattice autocomplete builds completions that know the commands and their flags', async () => {
    const { lattice } = await import('../helpers/cli.js')
    const home = mkdtempSync(join(tmpdir(), 'lattice-ac-'))
    const env = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') }
    const r = await lattice(['autocomplete', 'bash'], env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/lattice autocomplete script bash/)
    const { readdirSync, readFileSync: read } = await import('node:fs')
    const dir = join(home, '.cache', 'lattice', 'autocomplete', 'functions', 'bash')
    const script = read(join(dir, readdirSync(dir)[0]), 'utf8')
    expect(script).toMatch(/rollout:actor/)
    expect(script).toMatch(/--min-acks/)
  }, 60_000)
})
