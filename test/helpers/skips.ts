/**
 * Why a test cannot run here, in one place. Each check returns the reason (a short phrase) or
 * undefined when the test can run; `skipIf(reason)` turns it into the options of `it` or
 * `describe`, and the run's summary (test/support/summary-reporter.ts) counts the skipped tests
 * by reason. A test skipped without one of these is counted as "no reason given".
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { serverAtLeast, serverVersion } from './server-version.js'

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Why the test, or every test of the describe, is skipped (set by skipIf). */
    skipReason?: string
  }
}

/** `it(name, skipIf(reason), fn)` / `describe(name, skipIf(reason), fn)`: skipped when there is a reason. */
export function skipIf(reason: string | undefined): { skip: boolean; meta: { skipReason?: string } } {
  return { skip: reason !== undefined, meta: reason === undefined ? {} : { skipReason: reason } }
}

/** The tool is missing and LATTICE_NO_INSTALL asked npm test not to install it (without that, the test fails with the install hint). */
const notInstalled = (missing: boolean, what: string) =>
  missing && process.env.LATTICE_NO_INSTALL ? `${what} (LATTICE_NO_INSTALL)` : undefined
const onPath = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0

export const CHROMIUM = process.env.LATTICE_CHROMIUM ?? '/usr/bin/chromium'
export const PROMETHEUS = process.env.LATTICE_PROMETHEUS ?? '/usr/bin/prometheus'

export const skips = {
  /** The test is of servers older than `version`. */
  serverAtLeast: (version: string) =>
    serverAtLeast(version)
      ? `nats-server ${serverVersion()} is ${version} or newer (the test is of older servers)`
      : undefined,
  /** The test needs a server of `version` or newer. */
  serverOlderThan: (version: string) =>
    serverAtLeast(version) ? undefined : `nats-server ${serverVersion()} is older than ${version}`,
  /** The dashboard page tests drive Chromium (scripts/ensure-chromium.js installs it). */
  noChromium: () => (existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`),
  /** The Prometheus gate tests start a real Prometheus (scripts/ensure-prometheus.js). */
  noPrometheus: () => notInstalled(spawnSync(PROMETHEUS, ['--version']).status !== 0, `no Prometheus at ${PROMETHEUS}`),
  /** The C host tests build examples/host-c with libnats and a C compiler (scripts/ensure-libnats.js). */
  noLibnats: () =>
    notInstalled(
      !['/usr/include/nats/nats.h', '/usr/local/include/nats/nats.h'].some((f) => existsSync(f)) ||
        !(onPath('cc') || onPath('gcc')) ||
        !onPath('make'),
      'no libnats, C compiler or make',
    ),
  /** scripts/fetch-nats-servers.js unpacks and checks Debian packages. */
  noDebTools: () => {
    const missing = ['dpkg-deb', 'xz', 'dpkg', 'gpg', 'gpgv'].filter((t) => !onPath(t))
    return missing.length === 0 ? undefined : `missing ${missing.join(', ')}`
  },
}
