#!/usr/bin/env node
// Make sure a nats-server binary is there before the tests run: use LATTICE_NATS_SERVER or the
// one on PATH; on Debian as root (unless LATTICE_NO_INSTALL is set), install the distribution's
// package; otherwise say how.
import { spawnSync } from 'node:child_process'
import { aptInstall, mayInstall } from './apt-install.js'

const bin = process.env.LATTICE_NATS_SERVER ?? 'nats-server'

function version() {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : undefined
}

let found = version()
if (!found && !process.env.LATTICE_NATS_SERVER && mayInstall()) {
  aptInstall(['nats-server'], 'nats-server not found (every NATS test starts one)')
  found = version()
}
if (!found) {
  console.error(`nats-server is needed for the tests and was not found (looked for "${bin}").
Install it, then run again:
  Debian/Ubuntu:  sudo apt-get install -y nats-server
  macOS:          brew install nats-server
  Go toolchain:   go install github.com/nats-io/nats-server/v2@latest
  Any system:     download a release from the nats-server project and put it on PATH,
                  or point LATTICE_NATS_SERVER at the binary.`)
  process.exit(1)
}
console.error(`using ${found}`)
