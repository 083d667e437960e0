#!/usr/bin/env node
// Make sure Chromium is there for the dashboard page tests (test/helpers/browser.ts): use
// LATTICE_CHROMIUM or /usr/bin/chromium; on Debian as root (unless LATTICE_NO_INSTALL is set),
// install the distribution's package; otherwise say how (those tests are then skipped). Nothing
// downloads a browser of its own (playwright-core never does).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { aptInstall, mayInstall } from './apt-install.js'

const bin = process.env.LATTICE_CHROMIUM ?? '/usr/bin/chromium'

function version() {
  if (!existsSync(bin)) return undefined
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

let found = version()
if (!found && !process.env.LATTICE_CHROMIUM && mayInstall()) {
  aptInstall(['chromium'], 'chromium not found (the dashboard page tests drive it)')
  found = version()
}
if (!found) {
  console.error(`Chromium is needed for the dashboard page tests and was not found (looked for "${bin}").
Without it those tests are skipped. To run them, install it, then run again:
  Debian/Ubuntu:  sudo apt-get install -y chromium
  Other systems:  install Chromium or Chrome and point LATTICE_CHROMIUM at its binary.`)
  // Not fatal: the rest of the suite does not need a browser.
  process.exit(0)
}
console.error(`using ${found}`)
