#!/usr/bin/env node
// Make sure a Prometheus binary is there before the tests run (the Prometheus gate tests start a
// real one): LATTICE_PROMETHEUS or /usr/bin/prometheus; on Debian as root, install the
// distribution's package; otherwise say how, and fail (the tests would fail anyway).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const bin = process.env.LATTICE_PROMETHEUS ?? '/usr/bin/prometheus'

function version() {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return r.status === 0 ? (r.stdout || r.stderr).split('\n')[0].trim() : undefined
}

let found = version()
if (!found && !process.env.LATTICE_PROMETHEUS && existsSync('/etc/debian_version') && process.getuid?.() === 0) {
  console.error('prometheus not found: installing the Debian package (apt-get install -y --no-install-recommends prometheus)...')
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  found = version()
}
if (!found) {
  console.error(`prometheus is needed for the Prometheus gate tests and was not found (looked for "${bin}").
Install it, then run again:
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends prometheus
  macOS:          brew install prometheus   (then LATTICE_PROMETHEUS=$(command -v prometheus))
  Any system:     download a release from prometheus.io and point LATTICE_PROMETHEUS at the binary.`)
  process.exit(1)
}
console.error(`using ${found}`)
