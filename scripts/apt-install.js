// What the scripts/ensure-*.js share: whether they may install a missing tool (Debian, root, and
// LATTICE_NO_INSTALL unset), and the install itself (the distribution's packages, apt-get).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** LATTICE_NO_INSTALL=1: install nothing; tests that need a missing tool are skipped, with why. */
export const NO_INSTALL = Boolean(process.env.LATTICE_NO_INSTALL)

export function mayInstall() {
  return !NO_INSTALL && existsSync('/etc/debian_version') && process.getuid?.() === 0
}

/** apt-get install `packages` (what and why said first: it runs as root). */
export function aptInstall(packages, why, { noRecommends = false } = {}) {
  const options = noRecommends ? ['--no-install-recommends'] : []
  console.error(
    `${why}: installing the Debian package${packages.length > 1 ? 's' : ''} (apt-get install -y ${[...options, ...packages].join(' ')}; LATTICE_NO_INSTALL=1 skips this)...`,
  )
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
  execFileSync('apt-get', ['install', '-y', '-qq', ...options, ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
}
