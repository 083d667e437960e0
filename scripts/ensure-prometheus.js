#!/usr/bin/env node
// Make sure a Prometheus binary is there before the tests run (the Prometheus gate tests start a
// real one): LATTICE_PROMETHEUS or /usr/bin/prometheus; on Debian as root, install the
// distribution's package; otherwise say how, and fail (the tests would fail), unless
// LATTICE_NO_INSTALL is set (then they are skipped).
import { spawnSync } from 'node:child_process'
import { NO_INSTALL, aptInstall, mayInstall } from './apt-install.js'

const bin = process.env.LATTICE_PROMETHEUS ?? '/usr/bin/prometheus'

function version() {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? (r.stdout || r.stderr).split('\n')[0].trim() : undefined
}

let found = version()
if (!found && !process.env.LATTICE_PROMETHEUS && mayInstall()) {
  // Debian's package also enables and starts a prometheus systemd service (port 9090) where systemd runs.
  aptInstall(['prometheus'], 'prometheus not found (the Prometheus gate tests start one)', { noRecommends: true })
  found = version()
}
if (!found) {
  console.error(`prometheus is needed for the Prometheus gate tests and was not found (looked for "${bin}").
${NO_INSTALL ? 'LATTICE_NO_INSTALL is set: those tests are skipped. To run them, install' : 'Install'} it, then run again:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends prometheus
  macOS:          brew install prometheus   (then LATTICE_PROMETHEUS=$(command -v prometheus))
  Any system:     download a release from prometheus.io and point LATTICE_PROMETHEUS at the binary.`)
  // LATTICE_NO_INSTALL: the user chose not to install; those tests are skipped (test/helpers/skips.ts).
  process.exit(NO_INSTALL ? 0 : 1)
}
console.error(`using ${found}`)
