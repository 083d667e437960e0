/**
 * Benchmark 2: start-up. `lattice --version`, `lattice shift actor --help` and `lattice env
 * subjects` (a real command that contacts nothing) against `node -e 0`.
 * Targets: --version at most 3x; the two that load the CLI at most 1.5x.
 */
import { fileURLToPath } from 'node:url'
import { RUNS, type Section, median, ms, timeProcess } from './common.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SPEC = fileURLToPath(new URL('./fixtures/lattice.yaml', import.meta.url))

const BASE = 'node -e 0 (baseline)'
const VERSION = 'lattice --version'
const HELP = 'lattice shift actor --help'
const NO_NETWORK = 'lattice env subjects blue -f lattice.yaml'
const WITH_DEBUG = 'the same with DEBUG=* and LATTICE_OCLIF_RUN=1 (one runtime: no change)'

export async function benchStartup(): Promise<Section> {
  const cases: [string, string[], NodeJS.ProcessEnv?][] = [
    [BASE, ['-e', '0']],
    [VERSION, [BIN, '--version']],
    [HELP, [BIN, 'shift', 'actor', '--help']],
    [NO_NETWORK, [BIN, 'env', 'subjects', 'blue', '-f', SPEC]],
    [WITH_DEBUG, [BIN, 'env', 'subjects', 'blue', '-f', SPEC], { ...process.env, DEBUG: '*', LATTICE_OCLIF_RUN: '1' }],
  ]
  for (const [, args, env] of cases) await timeProcess(process.execPath, args, env) // warm-up (disk cache)
  const times: Record<string, number[]> = Object.fromEntries(cases.map(([n]) => [n, []]))
  for (let i = 0; i < RUNS * 2; i++)
    for (const [name, args, env] of cases) times[name].push(await timeProcess(process.execPath, args, env))
  const base = median(times[BASE])
  const ratio = (n: string) => median(times[n]) / base
  const check = (n: string, target: number) => ({
    label: `${n} at most ${target}x node -e 0 (${ratio(n).toFixed(2)}x)`,
    pass: ratio(n) <= target,
  })
  return {
    title: 'Start-up',
    method: `${RUNS * 2} runs of each, alternating, after a warm-up; wall time from spawn to exit. \`env subjects\` reads a spec (bench/fixtures/lattice.yaml) and contacts nothing; it runs without oclif's runtime (dist/direct/), and once more with DEBUG and LATTICE_OCLIF_RUN set (the same path).`,
    headers: ['command', 'median', 'vs node -e 0'],
    rows: cases.map(([n]) => [n, ms(median(times[n])), `${ratio(n).toFixed(2)}x`]),
    checks: [check(VERSION, 3), check(HELP, 1.5), check(NO_NETWORK, 1.5)],
  }
}
