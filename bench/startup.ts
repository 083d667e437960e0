/** Benchmark 2: start-up. `lattice --version` against `node -e 0`; target at most 3x. */
import { fileURLToPath } from 'node:url'
import { RUNS, type Section, median, ms, timeProcess } from './common.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

export async function benchStartup(): Promise<Section> {
  const cases: [string, string[]][] = [
    ['node -e 0 (baseline)', ['-e', '0']],
    ['lattice --version', [BIN, '--version']],
    ['lattice shift actor --help', [BIN, 'shift', 'actor', '--help']],
  ]
  for (const [, args] of cases) await timeProcess(process.execPath, args) // warm-up (disk cache)
  const times: Record<string, number[]> = Object.fromEntries(cases.map(([n]) => [n, []]))
  for (let i = 0; i < RUNS * 2; i++) for (const [name, args] of cases) times[name].push(await timeProcess(process.execPath, args))
  const base = median(times['node -e 0 (baseline)'])
  const ratio = (n: string) => median(times[n]) / base
  return {
    title: 'Start-up',
    method: `${RUNS * 2} runs of each, alternating, after a warm-up; wall time from spawn to exit.`,
    headers: ['command', 'median', 'vs node -e 0'],
    rows: cases.map(([n]) => [n, ms(median(times[n])), `${ratio(n).toFixed(2)}x`]),
    checks: [{ label: `lattice --version at most 3x node -e 0 (${ratio('lattice --version').toFixed(2)}x)`, pass: ratio('lattice --version') <= 3 }],
  }
}
