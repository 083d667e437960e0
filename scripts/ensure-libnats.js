#!/usr/bin/env node
// Make sure libnats (the NATS C client) and a C compiler are there before the tests run (the C
// host test builds examples/host-c): on Debian as root, install the distribution's packages;
// otherwise say how, and fail (the test would fail anyway).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const ok = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const header = () => ['/usr/include/nats/nats.h', '/usr/local/include/nats/nats.h'].find((f) => existsSync(f))
const missing = () => [...(header() ? [] : ['libnats-dev']), ...(ok('cc') || ok('gcc') ? [] : ['gcc', 'libc6-dev']), ...(ok('make') ? [] : ['make'])]

let need = missing()
if (need.length > 0 && existsSync('/etc/debian_version') && process.getuid?.() === 0) {
  console.error(`${need.join(', ')} not found: installing the Debian packages (apt-get install -y --no-install-recommends ${need.join(' ')})...`)
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...need], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  need = missing()
}
if (need.length > 0) {
  console.error(`The C host test (examples/host-c) needs libnats and a C compiler; missing: ${need.join(', ')}.
Install them, then run again:
  Debian/Ubuntu:  sudo apt-get install -y libnats-dev gcc make
  macOS:          brew install cnats   (headers under /usr/local or /opt/homebrew: set CFLAGS/LDFLAGS for make)`)
  process.exit(1)
}
console.error(`using libnats (${header()})`)
