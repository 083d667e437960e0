#!/usr/bin/env node
// Is docs/commands.md (or the file in LATTICE_COMMAND_DOCS) what the code generates? Generates
// the reference into a temporary copy with `oclif readme` and compares. Exit 1 when stale.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const committed = process.env.LATTICE_COMMAND_DOCS ?? join(root, 'docs', 'commands.md')
const dir = mkdtempSync(join(tmpdir(), 'lattice-docs-'))
const fresh = join(dir, 'commands.md')
try {
  copyFileSync(committed, fresh)
  execFileSync(
    join(root, 'node_modules', '.bin', 'oclif'),
    ['readme', '--readme-path', fresh, '--no-source-links', '--no-aliases'],
    {
      cwd: root,
      // NODE_ENV test or development (vitest sets test) makes oclif load the help class from src/*.ts.
      env: { ...process.env, NODE_ENV: 'production', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
      stdio: 'ignore',
    },
  )
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error(`${committed} is stale: the commands changed. Run \`npm run docs:commands\` and commit the result.`)
    process.exit(1)
  }
  console.log(`${committed} matches the commands.`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
