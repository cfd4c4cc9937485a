import type { Reporter, TestModule } from 'vitest/node'

/**
 * Ends a test run with one plain line, `N passed, N failed, N skipped`, which CI systems that
 * do not parse vitest's own summary can read. Modules that failed to load count as failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0
    let failed = unhandledErrors.length
    let skipped = 0
    for (const module of testModules) {
      let failedHere = 0
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failedHere++
        else skipped++
      }
      // A module or suite can fail with every test passing (a hook that throws): count it.
      failed += failedHere === 0 && module.state() === 'failed' ? 1 : failedHere
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
