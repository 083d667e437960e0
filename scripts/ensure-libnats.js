#!/usr/bin/env node
// Make sure libnats (the NATS C client) and a C compiler are there before the tests run (the C
// host test builds examples/host-c): on Debian as root, install the distribution's packages;
// otherwise say how, and fail (the test would fail), unless LATTICE_NO_INSTALL is set (then it is
// skipped).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { NO_INSTALL, aptInstall, mayInstall } from './apt-install.js'

const ok = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const header = () => ['/usr/include/nats/nats.h', '/usr/local/include/nats/nats.h'].find((f) => existsSync(f))
const missing = () => [
  ...(header() ? [] : ['libnats-dev']),
  ...(ok('cc') || ok('gcc') ? [] : ['gcc', 'libc6-dev']),
  ...(ok('make') ? [] : ['make']),
]

let need = missing()
if (need.length > 0 && mayInstall()) {
  aptInstall(need, `${need.join(', ')} not found (the C host tests build examples/host-c)`, { noRecommends: true })
  need = missing()
}
if (need.length > 0) {
  console.error(`The C host test (examples/host-c) needs libnats and a C compiler; missing: ${need.join(', ')}.
${NO_INSTALL ? 'LATTICE_NO_INSTALL is set: those tests are skipped. To run them, install' : 'Install'} them, then run again:
  Debian/Ubuntu:  sudo apt-get install -y libnats-dev gcc make
  macOS:          brew install cnats   (headers under /usr/local or /opt/homebrew: set CFLAGS/LDFLAGS for make)`)
  // LATTICE_NO_INSTALL: the user chose not to install; those tests are skipped (test/helpers/skips.ts).
  process.exit(NO_INSTALL ? 0 : 1)
}
console.error(`using libnats (${header()})`)
