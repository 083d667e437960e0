import { defineConfig } from 'vitest/config'

// The load test keeps every CPU busy on purpose: it runs alone, after everything else.
const LOAD = 'test/integration/load.test.ts'
// The server matrix (scripts/test-servers.js) skips the files whose outcome does not depend on the
// server version: those that start no nats-server; secrets and errors (bad input is refused before
// anything is pushed); dev (lattice's own management of a local server process);
// first-run (help, typos, PATH); package (npm pack and an install of it; the shift it runs is shift.test's); fast-help and direct-run (the help and commands answered without
// oclif, compared with oclif's; no server); without-state (lattice's local emergency copies: what each server
// version does when the state is unreachable is state-availability's, which the matrix runs); and
// the load test (lattice's lock under CPU load: state.test's concurrent shifts cover each version's
// compare-and-set); the webhook, Prometheus and notification gates (HTTP and Prometheus decide
// there; the rollouts they steer are rollout.test's, which the matrix runs); a rollout's start cut short (lattice's
// own record); canary analysis, fixed and
// sequential (it judges the hosts' metrics reports; the plain weighted mappings it steers are shift.test's and rollout.test's,
// which the matrix runs); the observation from host reports (hosts publish, lattice reads: its
// fallback, subscribing, is observe.test's, which the matrix runs); the C example host (a host's
// conformance; its plain weighted mapping is shift.test's); deadlines (lattice's own timers and
// retries around a connect); the dashboard (its page against a stand-in server, no NATS; its server and
// the page end to end: HTTP, SSE and a browser over status, watch, rollouts and history, which the matrix runs). They run once, in npm test.
const SERVERLESS = process.env.LATTICE_MATRIX
  ? [
      'test/integration/{bundle,docs,fetch-nats-servers,secrets,first-run,fast-help,direct-run,without-state,without-state-abort,errors-input,errors-credentials,dev,package}.test.ts',
      'test/integration/rollout-{webhook,prometheus,prometheus-host,notify,sequential,start}.test.ts',
      'test/integration/{services-discovery,analysis,observe-reports,host-c,host-c-control,host-c-check,deadlines,dashboard-page,dashboard-page-rollouts,dashboard-page-connection,dashboard-server,dashboard-flags,dashboard-browser}.test.ts',
    ]
  : []

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core machines: integration files start real servers and child processes.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [LOAD, ...SERVERLESS],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'load',
          include: process.env.LATTICE_MATRIX ? [] : [LOAD],
          passWithNoTests: true,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
