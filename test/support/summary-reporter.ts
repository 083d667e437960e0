/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that CI tools can read, and,
 * when tests were skipped, one more saying why, by reason (test/helpers/skips.ts gives each skip
 * its reason): "23 skipped: nats-server 2.9.10 is older than 2.9.22 (20), no Chromium at ... (3)".
 */
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node'

/** The reason of the test's skip: its own, that of the nearest describe that has one, or -t's. */
export function skipReason(test: TestCase, namePattern?: RegExp): string {
  for (let task: TestCase | TestCase['parent'] = test; task.type !== 'module'; task = task.parent) {
    const reason = task.meta().skipReason
    if (reason) return reason
  }
  if (test.options.mode === 'todo') return 'todo'
  return namePattern && !namePattern.test(test.fullName) ? 'not selected by -t' : 'no reason given'
}

/** "n skipped: reason (count), ..." with the most frequent reason first; '' when none was skipped. */
export function skippedLine(reasons: string[]): string {
  if (reasons.length === 0) return ''
  const counts = new Map<string, number>()
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1)
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return `${reasons.length} skipped: ${byCount.map(([r, n]) => `${r} (${n})`).join(', ')}`
}

export default class SummaryReporter implements Reporter {
  private namePattern?: RegExp

  onInit(vitest: Vitest): void {
    this.namePattern = vitest.config.testNamePattern
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    const reasons: string[] = []
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') counts.passed++
        else if (state === 'failed') counts.failed++
        else {
          counts.skipped++
          reasons.push(skipReason(test, this.namePattern))
        }
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) counts.failed++
    }
    const why = skippedLine(reasons)
    process.stdout.write(
      `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n${why ? `${why}\n` : ''}`,
    )
  }
}
