import { defineConfig } from 'vitest/config'

// The load test keeps every CPU busy on purpose: it runs alone, after everything else.
const LOAD = 'test/integration/load.test.ts'
// The server matrix (scripts/test-servers.js) skips the files whose outcome does not depend on the
// server version: those that start no nats-server, and secrets (every case is refused before connecting).
const SERVERLESS = process.env.LATTICE_MATRIX ? ['test/integration/{bundle,docs,fetch-nats-servers,secrets}.test.ts'] : []

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core machines: integration files start real servers and child processes.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [LOAD, ...SERVERLESS], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'load', include: [LOAD], sequence: { groupOrder: 1 } } },
    ],
  },
})
